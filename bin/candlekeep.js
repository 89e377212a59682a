#!/usr/bin/env node
// Plain-JS entry: the TypeScript sources are compiled to dist/ by `npm run build` (run by `npm ci` via `prepare`).
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const entry = new URL('../dist/engine/cli/main.js', import.meta.url);
if (!existsSync(fileURLToPath(entry))) {
  process.stderr.write('candlekeep: the compiled sources are missing (dist/). Run `npm ci` or `npm run build` first.\n');
  process.exit(2);
}
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
// The command has finished (long-running ones return only once stopped). If a stray timer or socket still
// holds the event loop (e.g. a retry waiting on an unreachable exchange), exit anyway after a grace period
// that lets stdout drain.
setTimeout(() => process.exit(code), 3000).unref();
