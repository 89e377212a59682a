import { defineCommand } from '../../command.js';
import { sendControl, type ControlArgs, controlFlags } from './control.js';

export default defineCommand<ControlArgs>({
  command: 'resume',
  describe: 'let the running session place new orders again',
  builder: (y) => controlFlags(y),
  handler: (args) => sendControl('resume', args),
});
