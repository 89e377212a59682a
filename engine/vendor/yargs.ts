/**
 * yargs, through one module: `npm run build` replaces the compiled file with a single-file bundle of the
 * package (bin/build-bundles.mjs), which loads ~3× faster than yargs' ESM file tree — CLI start-up counts.
 */
export { default } from 'yargs';
export type { Argv, ArgumentsCamelCase } from 'yargs';
