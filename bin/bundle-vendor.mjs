#!/usr/bin/env node
// Post-build step: replaces dist/engine/vendor/{zod,yargs}.js (plain re-exports) with single-file esbuild
// bundles of those packages. Fewer files for Node's ESM loader = faster CLI start-up. Runs offline.
import { buildSync } from 'esbuild';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const out = path.join(root, 'dist/engine/vendor');
const entries = {
  'zod.js': "export * from 'zod';",
  'yargs.js': "export { default } from 'yargs';",
};
for (const [file, contents] of Object.entries(entries)) {
  const target = path.join(out, file);
  if (!fs.existsSync(target)) throw new Error(`${target} is missing: run tsc first`);
  buildSync({
    stdin: { contents, resolveDir: root, loader: 'js', sourcefile: file },
    bundle: true, format: 'esm', platform: 'node', target: 'node20', minify: true, legalComments: 'inline',
    outfile: target, allowOverwrite: true, logLevel: 'error',
    // yargs' ESM build calls require() for a few built-ins.
    banner: { js: "import { createRequire as __ckRequire } from 'node:module'; const require = __ckRequire(import.meta.url);" },
  });
  fs.rmSync(`${target}.map`, { force: true });
}
