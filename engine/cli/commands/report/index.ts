import { defineGroup } from '../../command.js';

export default defineGroup('report', 'backtest runs: list, show one, compare several', [() => import('./list.js'), () => import('./show.js'), () => import('./compare.js')]);
