import { defineGroup } from '../../command.js';
import list from './list.js';
import show from './show.js';
import compare from './compare.js';

export default defineGroup('report', 'backtest runs: list, show one, compare several', [list, show, compare]);
