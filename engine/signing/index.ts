export * from './canonical.js';
export * from './secret-box.js';
export * from './keyring.js';
export * from './audit-chain.js';
