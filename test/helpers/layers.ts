/**
 * The layer-rule checker behind test/architecture.test.ts: parse the imports of source files (with
 * the TypeScript parser, so `import type`, re-exports, dynamic `import()`, `import('x').T` types
 * and `require` all count, and comments or strings never do), resolve each to a module of `src/`
 * or a package, and compare it with a table of which layer may import which.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { join, posix, relative, sep } from 'node:path';
import ts from 'typescript';

/** One import of one file: `specifier` is null for a dynamic import of a computed name. */
export interface ImportRef {
  /** The importing file, relative to `src/`, with `/` separators (`provider/api-key.ts`). */
  file: string;
  specifier: string | null;
  line: number;
}

export interface LayerRule {
  /** Layers (first folder under `src/`, or a root file's name) or module-path patterns it may import. */
  layers: ReadonlyArray<string | RegExp>;
  /** Packages it may import: a name (sub-paths included) or a pattern on the whole specifier. */
  packages: ReadonlyArray<string | RegExp>;
}

export interface LayerRules {
  /** Per importing layer; `'any'` lets it import everything (the composition roots). */
  rules: Readonly<Record<string, LayerRule | 'any'>>;
  /** Runtime-specific specifiers, allowed only in `runtimeLayers` whatever else the table says. */
  runtime: ReadonlyArray<RegExp>;
  runtimeLayers: readonly string[];
}

/** Every `.ts`/`.tsx` file under `dir`. */
export function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? sourceFiles(path) : /\.tsx?$/.test(name) ? [path] : [];
  });
}

/** The imports of every source file under `root`. */
export function importsUnder(root: string): ImportRef[] {
  return sourceFiles(root).flatMap((path) => importsOf(relative(root, path).split(sep).join('/'), readFileSync(path, 'utf8')));
}

/** The imports of one file's source text. */
export function importsOf(file: string, source: string): ImportRef[] {
  const sf = ts.createSourceFile(file, source, ts.ScriptTarget.Latest, true, file.endsWith('x') ? ts.ScriptKind.TSX : ts.ScriptKind.TS);
  const out: ImportRef[] = [];
  const add = (node: ts.Node, specifier: ts.Node | undefined) => {
    const line = sf.getLineAndCharacterOfPosition(node.getStart(sf)).line + 1;
    out.push({ file, line, specifier: specifier && ts.isStringLiteralLike(specifier) ? specifier.text : null });
  };
  const visit = (node: ts.Node): void => {
    if (ts.isImportDeclaration(node) || (ts.isExportDeclaration(node) && node.moduleSpecifier)) {
      add(node, node.moduleSpecifier);
    } else if (ts.isImportEqualsDeclaration(node) && ts.isExternalModuleReference(node.moduleReference)) {
      add(node, node.moduleReference.expression);
    } else if (ts.isImportTypeNode(node)) {
      add(node, ts.isLiteralTypeNode(node.argument) ? node.argument.literal : undefined);
    } else if (
      ts.isCallExpression(node) &&
      (node.expression.kind === ts.SyntaxKind.ImportKeyword || (ts.isIdentifier(node.expression) && node.expression.text === 'require'))
    ) {
      add(node, node.arguments[0]);
    }
    ts.forEachChild(node, visit);
  };
  visit(sf);
  return out;
}

const NODE_BUILTINS = new Set(builtinModules);

type Target = { kind: 'module'; path: string; layer: string } | { kind: 'package'; name: string } | { kind: 'outside' };

/** What a specifier of `file` names: a module of src/ (path without extension), a package, or outside src/. */
export function resolveImport(file: string, specifier: string): Target {
  if (specifier.startsWith('.')) {
    const path = posix.normalize(posix.join(posix.dirname(file), specifier)).replace(/\.(js|jsx|ts|tsx|mjs)$/, '');
    if (path.startsWith('../') || path === '..') return { kind: 'outside' };
    return { kind: 'module', path, layer: layerOf(path) };
  }
  const bare = specifier.replace(/^node:/, '');
  if (specifier.startsWith('node:') || NODE_BUILTINS.has(bare.split('/')[0]!)) return { kind: 'package', name: `node:${bare}` };
  const parts = specifier.split('/');
  return { kind: 'package', name: specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0]! };
}

/** `provider/oidc/ports.ts` → `provider`; a root file `errors.ts` → `errors`. */
export function layerOf(path: string): string {
  const parts = path.split('/');
  return parts.length > 1 ? parts[0]! : parts[0]!.replace(/\.tsx?$/, '');
}

function packageAllowed(rule: LayerRule, name: string, specifier: string): boolean {
  return rule.packages.some((p) => (typeof p === 'string' ? name === p : p.test(specifier)));
}

function moduleAllowed(rule: LayerRule, layer: string, path: string): boolean {
  return rule.layers.some((l) => (typeof l === 'string' ? l === layer : l.test(path)));
}

/** Every import that breaks the rules, as `file:line → specifier (why)`; empty when all is well. */
export function violations(rules: LayerRules, imports: readonly ImportRef[]): string[] {
  const out: string[] = [];
  for (const ref of imports) {
    const from = layerOf(ref.file);
    const at = `${ref.file}:${ref.line} → ${ref.specifier ?? '(computed)'}`;
    const rule = rules.rules[from];
    if (rule === undefined) {
      out.push(`${at} (no rule for layer ${from}: add it to the table)`);
      continue;
    }
    if (ref.specifier === null) {
      out.push(`${at} (a computed import cannot be checked)`);
      continue;
    }
    if (!rules.runtimeLayers.includes(from) && rules.runtime.some((re) => re.test(ref.specifier!))) {
      out.push(`${at} (runtime-specific: only ${rules.runtimeLayers.join(', ')} may import it)`);
      continue;
    }
    if (rule === 'any') continue;
    const target = resolveImport(ref.file, ref.specifier);
    if (target.kind === 'outside') out.push(`${at} (outside src/)`);
    else if (target.kind === 'package' && !packageAllowed(rule, target.name, ref.specifier)) out.push(`${at} (${from} may not import package ${target.name})`);
    else if (target.kind === 'module' && !moduleAllowed(rule, target.layer, target.path)) out.push(`${at} (${from} may not import ${target.path})`);
  }
  return out;
}

/** Globals that exist on Node only (Workers has none of them): `process`, `Buffer`, `require`, … */
const NODE_GLOBALS = new Set(['process', 'Buffer', 'require', '__dirname', '__filename', 'global', 'setImmediate']);

/** Uses of Node-only globals in a file, as `file:line name` (property names like `x.process` do not count). */
export function nodeGlobalsUsed(file: string, source: string): string[] {
  const sf = ts.createSourceFile(file, source, ts.ScriptTarget.Latest, true, file.endsWith('x') ? ts.ScriptKind.TSX : ts.ScriptKind.TS);
  const out: string[] = [];
  const visit = (node: ts.Node): void => {
    if (ts.isIdentifier(node) && NODE_GLOBALS.has(node.text)) {
      const parent = node.parent;
      const isMemberName =
        (ts.isPropertyAccessExpression(parent) && parent.name === node) ||
        ((ts.isPropertyAssignment(parent) || ts.isPropertySignature(parent) || ts.isPropertyDeclaration(parent) || ts.isMethodDeclaration(parent)) && parent.name === node);
      const isDeclared = ts.isVariableDeclaration(parent) || ts.isParameter(parent) || ts.isBindingElement(parent) || ts.isImportSpecifier(parent);
      if (!isMemberName && !isDeclared) out.push(`${file}:${sf.getLineAndCharacterOfPosition(node.getStart(sf)).line + 1} ${node.text}`);
    }
    ts.forEachChild(node, visit);
  };
  visit(sf);
  return out;
}
