import { defineGroup } from '../../command.js';

// Subcommands: one file each (fetch, import, export, list, check, resample, synth, delete).
export default defineGroup('data', 'market data: fetch, import, export, list, check, resample, synth, delete', [
  () => import('./fetch.js'),
  () => import('./check.js'),
  () => import('./import.js'),
  () => import('./export.js'),
  () => import('./list.js'),
  () => import('./delete.js'),
  () => import('./resample.js'),
  () => import('./synth.js'),
]);
