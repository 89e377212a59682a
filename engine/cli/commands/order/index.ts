import { defineGroup } from '../../command.js';
import submit from './submit.js';
import list from './list.js';

// Subcommands: one file each.
export default defineGroup('order', 'talk to a running gateway with a signed API key: submit, list', [submit, list]);
