import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { UserError, unknownName } from '../domain/index.js';
import type { AnyStrategy } from '../api/index.js';

/** The package root: the nearest folder above this file holding package.json (works from dist/ and from sources). */
export const PACKAGE_ROOT = ((): string => {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (fs.existsSync(path.join(dir, 'package.json'))) return dir;
    const up = path.dirname(dir);
    if (up === dir) return path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
    dir = up;
  }
})();

export type StrategyDirs = {
  /** Strategy sources: one `<id>.ts` per strategy. */
  readonly source: string;
  /** Where they are compiled to (tsc, or esbuild on the fly): `dist/strategies`. */
  readonly compiled: string;
};

export const DEFAULT_STRATEGY_DIRS: StrategyDirs = {
  source: path.join(PACKAGE_ROOT, 'strategies'),
  compiled: path.join(PACKAGE_ROOT, 'dist', 'strategies'),
};

/** Ids of the strategies in the strategies folder (sources and compiled files), sorted. */
export function listStrategies(dirs: StrategyDirs = DEFAULT_STRATEGY_DIRS): string[] {
  const ids = new Set<string>();
  for (const [dir, ext] of [[dirs.source, '.ts'], [dirs.compiled, '.js']] as const) {
    let names: string[] = [];
    try {
      names = fs.readdirSync(dir);
    } catch {
      names = [];
    }
    for (const n of names) if (n.endsWith(ext) && !n.endsWith('.d.ts') && !n.startsWith('_')) ids.add(n.slice(0, -ext.length));
  }
  return [...ids].sort();
}

function mtime(file: string): number | undefined {
  try {
    return fs.statSync(file).mtimeMs;
  } catch {
    return undefined;
  }
}

/**
 * Compiles one TypeScript strategy into the compiled folder with esbuild's transform (types stripped,
 * ESM kept), so its relative imports (`../engine/api/index.js`) resolve against dist/.
 */
async function compileTs(src: string, out: string): Promise<void> {
  const { transform } = await import('esbuild');
  const code = fs.readFileSync(src, 'utf8');
  let js: string;
  try {
    js = (await transform(code, { loader: 'ts', format: 'esm', target: 'node20', sourcefile: src, sourcemap: 'inline' })).code;
  } catch (e) {
    const first = (e as { errors?: { text: string; location?: { line: number; column: number } }[] }).errors?.[0];
    const where = first?.location ? `:${first.location.line}:${first.location.column}` : '';
    throw new UserError(`cannot compile strategy "${src}${where}": ${first?.text ?? (e as Error).message}`);
  }
  fs.mkdirSync(path.dirname(out), { recursive: true });
  const tmp = `${out}.tmp-${process.pid}`;
  fs.writeFileSync(tmp, js);
  fs.renameSync(tmp, out);
}

function isStrategy(x: unknown): x is AnyStrategy {
  const s = x as Partial<AnyStrategy> | null;
  return !!s && typeof s === 'object' && typeof s.id === 'string' && typeof s.version === 'number' && typeof s.init === 'function' && typeof s.onBar === 'function' && typeof s.params === 'object';
}

async function importStrategy(file: string, label: string): Promise<AnyStrategy> {
  let mod: { default?: unknown };
  try {
    mod = (await import(pathToFileURL(file).href)) as { default?: unknown };
  } catch (e) {
    if (e instanceof UserError) throw e;
    throw new UserError(`cannot load strategy ${label}: ${(e as Error).message}`);
  }
  if (!isStrategy(mod.default)) throw new UserError(`strategy ${label} does not export a strategy; write \`export default defineStrategy({ ... })\``);
  return mod.default;
}

/** Where a strategy reference lives: its source (`.ts`, when there is one) and the module that is imported. */
export type StrategyFiles = { readonly byPath: boolean; readonly source: string | undefined; readonly module: string };

/**
 * The files behind a strategy reference. By id: strategies/<id>.ts compiled to dist/strategies/<id>.js.
 * By path: a `.js`/`.mjs` file is imported as is; a `.ts` file is compiled next to the bundled strategies
 * (so its relative imports resolve the same way), as `_file-<name>.js` when it lives elsewhere.
 */
export function strategyFiles(ref: string, dirs: StrategyDirs = DEFAULT_STRATEGY_DIRS): StrategyFiles {
  const byPath = ref.includes('/') || ref.includes('\\') || /\.(ts|js|mjs)$/.test(ref);
  if (!byPath) return { byPath, source: path.join(dirs.source, `${ref}.ts`), module: path.join(dirs.compiled, `${ref}.js`) };
  const file = path.resolve(ref);
  if (!file.endsWith('.ts')) return { byPath, source: undefined, module: file };
  const inside = path.dirname(file) === path.resolve(dirs.source);
  const base = path.basename(file, '.ts');
  return { byPath, source: file, module: path.join(dirs.compiled, inside ? `${base}.js` : `_file-${base}.js`) };
}

/**
 * Loads a strategy by id (from the strategies folder) or by path (`./my/strategy.ts` or `.js`).
 * A `.ts` source newer than its compiled `.js` (or without one) is compiled on the fly.
 * Unknown ids get a suggestion: `unknown strategy "sma-crosss" — did you mean "sma-cross"?`.
 */
export async function loadStrategy(ref: string, dirs: StrategyDirs = DEFAULT_STRATEGY_DIRS): Promise<AnyStrategy> {
  const f = strategyFiles(ref, dirs);
  if (f.byPath) {
    const file = f.source ?? f.module;
    if (!fs.existsSync(file)) throw new UserError(`strategy file "${ref}" does not exist`);
    if (!f.source) return importStrategy(f.module, `"${ref}"`);
    // A file outside the strategies folder is always recompiled (its name is not unique there).
    const inside = path.dirname(f.source) === path.resolve(dirs.source);
    const m = mtime(f.module);
    if (m === undefined || m < mtime(f.source)! || !inside) await compileTs(f.source, f.module);
    return importStrategy(f.module, `"${ref}"`);
  }
  const srcTime = mtime(f.source!);
  const outTime = mtime(f.module);
  if (srcTime === undefined && outTime === undefined) throw unknownName('strategy', ref, listStrategies(dirs));
  if (srcTime !== undefined && (outTime === undefined || outTime < srcTime)) await compileTs(f.source!, f.module);
  const s = await importStrategy(f.module, `"${ref}"`);
  if (s.id !== ref) throw new UserError(`strategy file "${ref}" declares id "${s.id}"; the file name and the id must match`);
  return s;
}
