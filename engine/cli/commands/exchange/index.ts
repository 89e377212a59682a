import { defineGroup } from '../../command.js';

// Subcommands: one file each.
export default defineGroup('exchange', 'a local Binance-compatible exchange on 127.0.0.1 for tests and practice', [() => import('./serve.js')]);
