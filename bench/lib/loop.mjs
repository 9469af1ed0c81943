/**
 * Closed-loop load: `concurrency` virtual users each run `iteration(vu, k)` back to back. Only
 * iterations that complete inside the measurement window [warmup, warmup + duration] count.
 * `onWindow('start' | 'end')` fires at the window's edges (server CPU is read there). An iteration
 * returns { ok, error?, steps?, cpu? } (per-step wall ms and server CPU µs) or null when its supply (single-use codes…) is exhausted.
 * After the window no new iteration starts; in-flight ones are awaited (up to drainMs).
 */
export async function closedLoop({ concurrency, warmupMs, durationMs, iteration, onWindow, drainMs = 60_000 }) {
  const latencies = [];
  const steps = new Map();
  const cpu = new Map();
  let errors = 0;
  const errorSamples = [];
  let exhausted = false;
  const t0 = performance.now();
  const windowStart = t0 + warmupMs;
  const windowEnd = windowStart + durationMs;
  let state = 'warmup';
  let closedAt = windowEnd;
  const open = () => {
    if (state !== 'warmup') return;
    state = 'open';
    onWindow?.('start');
  };
  const close = () => {
    if (state === 'closed') return;
    open();
    state = 'closed';
    closedAt = Math.min(performance.now(), windowEnd);
    onWindow?.('end');
  };
  const openTimer = setTimeout(open, warmupMs);
  const closeTimer = setTimeout(close, warmupMs + durationMs);
  let active = concurrency;
  const users = Array.from({ length: concurrency }, async (_, vu) => {
    for (let k = 0; ; k++) {
      if (performance.now() >= windowEnd || state === 'closed') break;
      const start = performance.now();
      let result;
      try {
        result = await iteration(vu, k);
      } catch (error) {
        result = { ok: false, error: String(error?.stack ?? error?.message ?? error).slice(0, 600) };
      }
      if (result === null) {
        exhausted = true;
        break;
      }
      const end = performance.now();
      if (state === 'open' && end >= windowStart && end <= windowEnd) {
        if (result.ok) {
          latencies.push(end - start);
          for (const [into, values] of [[steps, result.steps], [cpu, result.cpu]]) {
            for (const [name, value] of Object.entries(values ?? {})) {
              let list = into.get(name);
              if (!list) into.set(name, (list = []));
              list.push(value);
            }
          }
        } else {
          errors++;
          if (errorSamples.length < 3) errorSamples.push(result.error);
        }
      } else if (!result.ok && errorSamples.length < 3) {
        errorSamples.push(`(outside window) ${result.error}`);
      }
    }
    if (--active === 0) close(); // everyone stopped early (exhausted supply)
  });
  const drained = Promise.all(users);
  await Promise.race([
    drained,
    new Promise((resolve) => setTimeout(resolve, warmupMs + durationMs + drainMs).unref()),
  ]);
  clearTimeout(openTimer);
  clearTimeout(closeTimer);
  close();
  const seconds = Math.max(0.001, (closedAt - windowStart) / 1000);
  return { latencies, steps, cpu, errors, errorSamples, seconds, exhausted };
}
