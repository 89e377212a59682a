export type * from './bar-store.js';
export type * from './clock.js';
