import type { CommandDef } from '../command.js';
// One import per top-level command or command group; each lives in its own file.
import data from './data/index.js';

export const commands: readonly CommandDef<any>[] = [
  data,
];
