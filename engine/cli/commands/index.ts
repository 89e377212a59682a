import type { CommandDef } from '../command.js';
// One import per top-level command or command group; each lives in its own file.
import data from './data/index.js';
import optimize from './optimize.js';
import walkforward from './walkforward.js';
import worker from './worker.js';
import backtest from './backtest.js';
import demo from './demo.js';
import newCommand from './new.js';
import exchange from './exchange/index.js';
import report from './report/index.js';
import serve from './serve.js';
import keys from './keys/index.js';
import audit from './audit/index.js';
import order from './order/index.js';
import paper from './paper.js';
import live from './live/index.js';

export const commands: readonly CommandDef<any>[] = [
  data,
  optimize,
  walkforward,
  worker,
  backtest,
  demo,
  newCommand,
  exchange,
  report,
  serve,
  keys,
  audit,
  order,
  paper,
  live,
];
