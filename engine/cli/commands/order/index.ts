import { defineGroup } from '../../command.js';

// Subcommands: one file each.
export default defineGroup('order', 'talk to a running gateway with a signed API key: submit, list', [() => import('./submit.js'), () => import('./list.js')]);
