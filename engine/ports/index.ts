export type * from './bar-store.js';
export type * from './clock.js';
export type * from './broker.js';
export type * from './feed.js';
export type * from './security.js';
export type * from './order-intake.js';
