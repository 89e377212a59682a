export * from './sim-broker.js';
