import { defineGroup } from '../../command.js';
import fetch from './fetch.js';

// Subcommands: one file each (fetch, import, export, list, check, resample, synth, delete).
export default defineGroup('data', 'market data: fetch, import, export, list, check, resample, synth, delete', [fetch]);
