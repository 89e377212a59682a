#!/usr/bin/env node
// Plain-JS entry: the TypeScript sources are compiled to dist/ by `npm run build` (run by `npm ci` via `prepare`).
import { existsSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const modular = new URL('../dist/engine/cli/main.js', import.meta.url);
const bundle = new URL('../dist/engine/cli/bundle/main.js', import.meta.url);
if (!existsSync(fileURLToPath(modular))) {
  process.stderr.write('candlekeep: the compiled sources are missing (dist/). Run `npm ci` or `npm run build` first.\n');
  process.exit(2);
}
// The bundled CLI (npm run build makes it) starts faster; a bare `tsc` leaves it older than main.js, and
// then the freshly compiled modules are used instead (as with CANDLEKEEP_NO_BUNDLE=1, for debugging).
const fresh = (() => {
  try {
    return statSync(fileURLToPath(bundle)).mtimeMs >= statSync(fileURLToPath(modular)).mtimeMs;
  } catch {
    return false;
  }
})();
const entry = fresh && !process.env.CANDLEKEEP_NO_BUNDLE ? bundle : modular;
// `candlekeep … | head`: a reader that goes away early is not an error.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (e) => {
    if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw e;
  });
}
const { main } = await import(entry.href);
const code = await main(process.argv.slice(2));
process.exitCode = code;
// The command has finished (long-running ones return only once stopped). Exit as soon as stdout and stderr
// have drained, rather than waiting for the event loop to empty (module-loader file handles, freed memory:
// tens of ms); if a stray timer or socket holds the loop (e.g. a retry waiting on an unreachable exchange),
// this exits anyway. Logs are written synchronously, so nothing is lost.
const drained = (s) =>
  s.writableLength === 0 || s.destroyed ? Promise.resolve() : new Promise((resolve) => { s.once('drain', resolve); s.once('close', resolve); s.once('error', resolve); });
const grace = new Promise((resolve) => setTimeout(resolve, 3000).unref());
await Promise.race([Promise.all([drained(process.stdout), drained(process.stderr)]), grace]);
process.exit(code);
