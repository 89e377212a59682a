/** Public surface of data/: stores, CSV import/export, synthetic series, resampling. */
export * from './store/index.js';
export * from './csv/index.js';
