/**
 * Summarise a V8 .cpuprofile (`node --cpu-prof`): self time by function and by package, and
 * inclusive time of functions (each counted once per stack, so recursion does not double count).
 */
import { readFileSync } from 'node:fs';

const SPECIAL = new Set(['(idle)', '(program)', '(garbage collector)', '(root)']);

/** Which package (or part of idbridge) a script URL belongs to. */
export function categoryOf(url, functionName) {
  if (SPECIAL.has(functionName)) return functionName;
  if (!url) return '(native / V8 builtins)';
  const nm = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (nm) return nm[1];
  const dist = /\/dist\/(.*)$/.exec(url);
  if (dist) return `idbridge src/${dist[1].split('/').slice(0, -1).join('/') || '.'}`;
  if (url.startsWith('node:')) return `node:${url.slice(5).split('/')[1] ?? url.slice(5)}`;
  return url;
}

function where(url, line) {
  if (!url) return '';
  const nm = /node_modules\/(.*)$/.exec(url);
  const dist = /\/dist\/(.*)\.js$/.exec(url);
  const short = nm ? nm[1] : dist ? `src/${dist[1]}.ts` : url.replace(/^file:\/\//, '');
  return `${short}:${line + 1}`;
}

/**
 * `skipMs`: ignore the first milliseconds of the profile (start-up and JIT warm-up), counted from the
 * profile's start; `untilMs`: ignore samples after that point.
 */
export function summarizeProfile(path, top = 25, { skipMs = 0, untilMs = Infinity } = {}) {
  const profile = JSON.parse(readFileSync(path, 'utf8'));
  const nodes = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const selfUs = new Map();
  // timeDeltas[i] is the time since the previous sample: attribute it to sample i.
  let at = 0;
  for (let i = 0; i < profile.samples.length; i++) {
    const delta = Math.max(0, profile.timeDeltas[i] ?? 0);
    at += delta;
    if (at < skipMs * 1000 || at > untilMs * 1000) continue;
    const id = profile.samples[i];
    selfUs.set(id, (selfUs.get(id) ?? 0) + delta);
  }
  const key = (n) => `${n.callFrame.functionName || '(anonymous)'}\u0000${n.callFrame.url}\u0000${n.callFrame.lineNumber}`;
  const totalUs = [...selfUs.values()].reduce((a, b) => a + b, 0);
  const idleUs = [...selfUs].filter(([id]) => nodes.get(id).callFrame.functionName === '(idle)').reduce((a, [, v]) => a + v, 0);
  const busyUs = totalUs - idleUs;

  const self = new Map();
  const categories = new Map();
  const inclusive = new Map();
  const inclusiveCategory = new Map();
  for (const [id, us] of selfUs) {
    const n = nodes.get(id);
    if (n.callFrame.functionName === '(idle)') continue;
    const k = key(n);
    const entry = self.get(k) ?? { name: n.callFrame.functionName || '(anonymous)', where: where(n.callFrame.url, n.callFrame.lineNumber), category: categoryOf(n.callFrame.url, n.callFrame.functionName), us: 0 };
    entry.us += us;
    self.set(k, entry);
    categories.set(entry.category, (categories.get(entry.category) ?? 0) + us);
    // Walk up the stack once, crediting every distinct function (and category) on it.
    const seen = new Set();
    const seenCategory = new Set();
    for (let cur = id; cur !== undefined; cur = parent.get(cur)) {
      const m = nodes.get(cur);
      const mk = key(m);
      if (!seen.has(mk)) {
        seen.add(mk);
        const e = inclusive.get(mk) ?? { name: m.callFrame.functionName || '(anonymous)', where: where(m.callFrame.url, m.callFrame.lineNumber), category: categoryOf(m.callFrame.url, m.callFrame.functionName), us: 0 };
        e.us += us;
        inclusive.set(mk, e);
      }
      const cat = categoryOf(m.callFrame.url, m.callFrame.functionName);
      if (!seenCategory.has(cat)) {
        seenCategory.add(cat);
        inclusiveCategory.set(cat, (inclusiveCategory.get(cat) ?? 0) + us);
      }
    }
  }
  const pct = (us) => Math.round((1000 * us) / busyUs) / 10;
  const ms = (us) => Math.round(us / 100) / 10;
  return {
    profileSeconds: Math.round(totalUs / 1e4) / 100,
    busyMs: ms(busyUs),
    idleMs: ms(idleUs),
    selfByCategory: [...categories].sort((a, b) => b[1] - a[1]).map(([category, us]) => ({ category, ms: ms(us), pct: pct(us) })),
    inclusiveByCategory: [...inclusiveCategory]
      .filter(([c]) => c !== '(root)')
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([category, us]) => ({ category, ms: ms(us), pct: pct(us) })),
    topSelf: [...self.values()].sort((a, b) => b.us - a.us).slice(0, top).map(({ us, ...e }) => ({ ...e, ms: ms(us), pct: pct(us) })),
    topInclusive: [...inclusive.values()]
      .filter((e) => !SPECIAL.has(e.name) && e.name !== '(anonymous)')
      .sort((a, b) => b.us - a.us)
      .slice(0, top * 2)
      .map(({ us, ...e }) => ({ ...e, ms: ms(us), pct: pct(us) })),
  };
}

// `node bench/lib/profile.mjs FILE.cpuprofile [TOP] [SKIP_MS]` prints the summary.
if (import.meta.url === `file://${process.argv[1]}`) {
  console.log(JSON.stringify(summarizeProfile(process.argv[2], Number(process.argv[3] ?? 25), { skipMs: Number(process.argv[4] ?? 0) }), null, 2));
}
