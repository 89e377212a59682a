/** Public surface of data/: stores, CSV import/export, synthetic series, resampling. */
export * from './store/index.js';
export * from './csv/index.js';
export * from './synth/index.js';
export * from './resample/index.js';
