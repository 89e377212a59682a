import { defineGroup } from '../../command.js';
import create from './create.js';
import list from './list.js';
import rotate from './rotate.js';
import revoke from './revoke.js';
import tvRoute from './tv-route.js';
import exchangeKeys from './exchange.js';

// Subcommands: one file each. To add one, import it above and append it to this list.
export default defineGroup('keys', 'gateway API keys (create, list, rotate, revoke), TradingView routes, exchange keys', [
  create,
  list,
  rotate,
  revoke,
  tvRoute,
  exchangeKeys,
]);
