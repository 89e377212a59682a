#!/usr/bin/env node
// Post-build step (npm run build): replaces dist/engine/vendor/{zod,yargs}.js (plain re-exports) with single-file esbuild
// bundles of those packages, then bundles the CLI itself (below). Fewer files for Node's ESM loader = faster CLI start-up. Runs offline.
import { build } from 'esbuild';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const out = path.join(root, 'dist/engine/vendor');
/**
 * yargs 18 and cliui 9 measure help-text columns with string-width 8/7, which build large Unicode-property
 * regular expressions (and an Intl.Segmenter) when the module loads: about 30 ms of every CLI start. The
 * bundle uses string-width 4 instead (same API, same widths for our help texts; it creates its regex only
 * when a string is measured).
 */
const lightStringWidth = {
  name: 'light-string-width',
  setup(build) {
    const target = path.join(root, 'node_modules/string-width/index.js');
    build.onResolve({ filter: /^string-width$/ }, () => ({ path: target }));
  },
};

/**
 * yargs renders the running command's whole help text right after calling its handler, to have it ready should
 * the handler fail (`cacheHelpMessage`): 10–20 ms of every command. Candlekeep's fail handler never prints help
 * (bad input is one line naming the problem; `--help` renders help afresh), so the bundle leaves that cache empty.
 */
const noEagerHelp = {
  name: 'no-eager-help',
  setup(build) {
    build.onLoad({ filter: /[\\/]yargs[\\/]build[\\/]lib[\\/]usage\.js$/ }, (args) => {
      const src = fs.readFileSync(args.path, 'utf8');
      const eager = 'cachedHelpMessage = this.help();';
      if (!src.includes(eager)) throw new Error(`${args.path}: yargs changed, "${eager}" not found (update bin/build-bundles.mjs)`);
      return { contents: src.replace(eager, 'cachedHelpMessage = undefined;'), loader: 'js' };
    });
  },
};

// Each compiled engine/vendor module (tsc output: imports from the package) becomes its own bundle.
for (const file of ['zod.js', 'yargs.js']) {
  const target = path.join(out, file);
  if (!fs.existsSync(target)) throw new Error(`${target} is missing: run tsc first`);
  const contents = fs.readFileSync(target, 'utf8');
  // Only tsc's output (a re-export of the package) is bundled: a file that is already a bundle would be
  // bundled again as is, without the plugins below taking effect.
  if (!/from '(zod|yargs)'/.test(contents)) throw new Error(`${target} is not tsc's output (already bundled?): run \`npm run build\``);
  await build({
    stdin: { contents, resolveDir: root, loader: 'js', sourcefile: file },
    bundle: true, format: 'esm', platform: 'node', target: 'node20', minify: true, legalComments: 'inline',
    outfile: target, allowOverwrite: true, logLevel: 'error',
    // yargs' ESM build calls require() for a few built-ins.
    banner: { js: "import { createRequire as __ckRequire } from 'node:module'; const require = __ckRequire(import.meta.url);" },
    plugins: [lightStringWidth, noEagerHelp],
  });
  fs.rmSync(`${target}.map`, { force: true });
}

/**
 * The CLI as a few files: dist/engine/cli/bundle/main.js plus one chunk per lazily imported part (code
 * splitting keeps `await import()` lazy, and with it the packages those parts load). bin/candlekeep.js loads
 * it when it is at least as new as dist/engine/cli/main.js. Node's ESM loader resolves, reads and links
 * ~100 modules one by one at every start; a few files save most of that. Packages stay external
 * (node_modules). Kept external as separate files, loaded by path:
 * - engine/api and engine/domain: strategy files import engine/api by path, so the strategy API, the
 *   indicator classes and UserError must be the very same module instances the CLI uses;
 * - engine/research/sweep.js: it locates its worker file next to itself (import.meta.url).
 * Dynamic imports inside the CLI stay lazy (evaluated on first use).
 */
const distDir = path.join(root, 'dist');
const cliDir = path.join(distDir, 'engine/cli');
const bundleDir = path.join(cliDir, 'bundle');
const keepExternal = (abs) =>
  abs.startsWith(path.join(distDir, 'engine/api') + path.sep) ||
  abs.startsWith(path.join(distDir, 'engine/domain') + path.sep) ||
  abs === path.join(distDir, 'engine/research/sweep.js');
const externalEngineModules = {
  name: 'external-engine-modules',
  setup(build) {
    build.onResolve({ filter: /^\.\.?\// }, (args) => {
      const abs = path.resolve(args.resolveDir, args.path);
      if (!keepExternal(abs)) return undefined;
      const rel = path.relative(bundleDir, abs).split(path.sep).join('/');
      return { path: rel.startsWith('.') ? rel : `./${rel}`, external: true };
    });
  },
};
fs.rmSync(bundleDir, { recursive: true, force: true });
fs.rmSync(path.join(cliDir, 'main.bundle.js'), { force: true });
await build({
  entryPoints: [path.join(cliDir, 'main.js')],
  bundle: true, splitting: true, format: 'esm', platform: 'node', target: 'node20', packages: 'external',
  outdir: bundleDir, chunkNames: 'chunk-[hash]', allowOverwrite: true, logLevel: 'error', legalComments: 'inline',
  plugins: [externalEngineModules],
});
