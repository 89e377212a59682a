import { defineCommand } from '../command.js';
import { runSessionCli, sessionFlags, type SessionArgs } from './live/session-flags.js';

export default defineCommand<SessionArgs>({
  command: 'paper',
  describe: 'run a strategy on the live feed with the simulated broker (no real orders) until Ctrl-C',
  builder: (y) => sessionFlags(y),
  handler: (args) => runSessionCli('paper', args),
});
