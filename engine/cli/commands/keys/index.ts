import { defineGroup } from '../../command.js';

// Subcommands: one file each. To add one, append a loader `() => import('./x.js')` to this list.
export default defineGroup('keys', 'gateway API keys (create, list, rotate, revoke), TradingView routes, exchange keys', [
  () => import('./create.js'),
  () => import('./list.js'),
  () => import('./rotate.js'),
  () => import('./revoke.js'),
  () => import('./tv-route.js'),
  () => import('./exchange.js'),
]);
