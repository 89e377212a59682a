import { UserError } from '../../domain/index.js';
import { defineCommand } from '../command.js';
import { printJson, printLine } from '../output.js';

type NewArgs = { kind: string; name: string; dir?: string; force?: boolean };

export default defineCommand<NewArgs>({
  command: 'new <kind> <name>',
  describe: 'scaffold a file: `new strategy <name>` writes a commented template into strategies/<name>.ts',
  builder: (y) =>
    y
      .positional('kind', { type: 'string', demandOption: true, describe: 'what to create: strategy' })
      .positional('name', { type: 'string', demandOption: true, describe: 'kebab-case name, also the strategy id, e.g. my-breakout' })
      .option('dir', { type: 'string', describe: "folder to write into (default: the project's strategies/)" })
      .option('force', { type: 'boolean', default: false, describe: 'overwrite an existing file' }),
  handler: async (args) => {
    if (args.kind !== 'strategy') throw new UserError(`new: unknown kind "${args.kind}" (known: strategy)`);
    const { newStrategy } = await import('../../app/new-strategy.js');
    const file = newStrategy(args.name, { ...(args.dir ? { dir: args.dir } : {}), force: args.force === true });
    if (args.json) printJson({ file, id: args.name });
    else printLine(`wrote ${file}\nrun it: candlekeep backtest --strategy ${args.dir ? file : args.name} --instrument <id> --timeframe <tf>`);
  },
});
