import { defineCommand } from '../../command.js';
import { sendControl, type ControlArgs, controlFlags } from './control.js';

export default defineCommand<ControlArgs>({
  command: 'pause',
  describe: 'stop new orders of the running session (exits and flatten still go through)',
  builder: (y) => controlFlags(y),
  handler: (args) => sendControl('pause', args),
});
