#!/usr/bin/env node
// Post-build step: replaces dist/engine/vendor/{zod,yargs}.js (plain re-exports) with single-file esbuild
// bundles of those packages. Fewer files for Node's ESM loader = faster CLI start-up. Runs offline.
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

// Each compiled engine/vendor module (tsc output: imports from the package) becomes its own bundle.
for (const file of ['zod.js', 'yargs.js']) {
  const target = path.join(out, file);
  if (!fs.existsSync(target)) throw new Error(`${target} is missing: run tsc first`);
  const contents = fs.readFileSync(target, 'utf8');
  await build({
    stdin: { contents, resolveDir: root, loader: 'js', sourcefile: file },
    bundle: true, format: 'esm', platform: 'node', target: 'node20', minify: true, legalComments: 'inline',
    outfile: target, allowOverwrite: true, logLevel: 'error',
    // yargs' ESM build calls require() for a few built-ins.
    banner: { js: "import { createRequire as __ckRequire } from 'node:module'; const require = __ckRequire(import.meta.url);" },
    plugins: [lightStringWidth],
  });
  fs.rmSync(`${target}.map`, { force: true });
}
