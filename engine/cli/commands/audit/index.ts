import { defineGroup } from '../../command.js';
import verify from './verify.js';
import tail from './tail.js';

// Subcommands: one file each.
export default defineGroup('audit', 'the tamper-evident audit log of the gateway: verify, tail', [verify, tail]);
