/**
 * `npm run bench`: runs every benchmark module in turn and prints its figures.
 * Each module exports `name` and `run(): Promise<void>` and prints lines of the form
 * `  <what>: <figure> <unit>  (target …)`. Pass names to run a subset: `npm run bench -- store indicators`.
 */
type BenchModule = { name: string; run: () => Promise<void> };

const modules: Array<[string, () => Promise<BenchModule>]> = [
  // one line per benchmark module: [name, loader]
  ['store', () => import('./store.js')],
  ['data-fetch-check', () => import('./data-fetch-check.js')],
  ['indicators', () => import('./indicators.js')],
  ['engine', () => import('./engine.js')],
  ['reports', () => import('./reports.js')],
  ['local-exchange', () => import('./local-exchange.js')],
  ['live', () => import('./live.js')],
  ['gateway', () => import('./gateway.js')],
  ['research', () => import('./research.js')],
];

const only = process.argv.slice(2);
// Only the modules asked for are loaded, so one module's problem cannot stop the others.
for (const [name, load] of modules) {
  if (only.length && !only.includes(name)) continue;
  const m = await load();
  console.log(`\n== ${m.name}`);
  await m.run();
}
