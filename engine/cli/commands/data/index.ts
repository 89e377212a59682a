import { defineGroup } from '../../command.js';
import fetch from './fetch.js';
import check from './check.js';
import importCmd from './import.js';
import exportCmd from './export.js';
import list from './list.js';
import deleteCmd from './delete.js';
import resample from './resample.js';
import synth from './synth.js';

// Subcommands: one file each (fetch, import, export, list, check, resample, synth, delete).
export default defineGroup('data', 'market data: fetch, import, export, list, check, resample, synth, delete', [
  fetch,
  check,
  importCmd,
  exportCmd,
  list,
  deleteCmd,
  resample,
  synth,
]);
