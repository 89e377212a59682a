/** Pure statistics shared by reports and research. */
export * from './normal.js';
export * from './sharpe.js';
export * from './random.js';
