/**
 * `npm run bench`: runs every benchmark module in turn and prints its figures.
 * Each module exports `name` and `run(): Promise<void>` and prints lines of the form
 * `  <what>: <figure> <unit>  (target …)`. Pass names to run a subset: `npm run bench -- store indicators`.
 */
type BenchModule = { name: string; run: () => Promise<void> };

const modules: Array<() => Promise<BenchModule>> = [
  // one line per benchmark module
  () => import('./research.js'),
  () => import('./gateway.js'),
  () => import('./engine.js'),
  () => import('./reports.js'),
  () => import('./indicators.js'),
  () => import('./local-exchange.js'),
  () => import('./store.js'),
  () => import('./data-fetch-check.js'),
  () => import('./live.js'),
];

const only = process.argv.slice(2);
for (const load of modules) {
  const m = await load();
  if (only.length && !only.includes(m.name)) continue;
  console.log(`\n== ${m.name}`);
  await m.run();
}
