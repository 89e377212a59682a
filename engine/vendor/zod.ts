/**
 * zod, through one module: `npm run build` replaces the compiled file with a single-file bundle of the
 * package (bin/bundle-vendor.mjs), which loads ~3× faster than zod's ~100 ESM files — CLI start-up counts.
 */
export * from 'zod';
