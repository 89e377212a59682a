import { defineGroup } from '../../command.js';

// Subcommands: one file each.
export default defineGroup('audit', 'the tamper-evident audit log of the gateway: verify, tail', [() => import('./verify.js'), () => import('./tail.js')]);
