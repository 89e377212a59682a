import { defineCommand } from '../../command.js';
import { sendControl, type ControlArgs, controlFlags } from './control.js';

export default defineCommand<ControlArgs>({
  command: 'flatten',
  describe: 'close every open position of the running session with market orders, then pause it',
  builder: (y) => controlFlags(y),
  handler: (args) => sendControl('flatten', args),
});
