import type { Argv, ArgumentsCamelCase } from '../vendor/yargs.js';

/** Flags every command accepts. */
export type GlobalArgs = {
  home?: string;
  config?: string;
  json?: boolean;
};

/**
 * One CLI command per file. `builder` declares flags (with descriptions); `handler` parses nothing
 * itself beyond argv: it calls an app function and renders. Handlers throw UserError for bad input.
 */
export type CommandDef<A = object> = {
  readonly command: string;
  readonly describe: string;
  readonly aliases?: readonly string[];
  readonly builder?: (y: Argv<GlobalArgs>) => Argv<A>;
  readonly handler?: (args: ArgumentsCamelCase<A & GlobalArgs>) => Promise<void> | void;
};

/** Identity helper that gives the handler the types its builder declares. */
export function defineCommand<A>(def: CommandDef<A>): CommandDef<A> {
  return def;
}

/** Loads one subcommand module (its default export) only when its group runs. */
export type CommandLoader = () => Promise<{ default: CommandDef<any> }>;

/**
 * A command that only groups subcommands (`data fetch`, `data import`, …). Subcommands are given as loaders
 * (`() => import('./fetch.js')`): their modules, and whatever heavy code they import, load only when this
 * group is invoked, which keeps CLI start-up fast.
 */
export function defineGroup(command: string, describe: string, subs: readonly (CommandLoader | CommandDef<any>)[]): CommandDef<object> {
  return {
    command: `${command} <command>`,
    describe,
    builder: (async (y: Argv<GlobalArgs>) => {
      const mods = await Promise.all(subs.map((s) => (typeof s === 'function' ? s().then((m) => m.default) : s)));
      for (const m of mods) y.command(m as never);
      return y.demandCommand(1, `${command}: name a subcommand (see --help)`);
    }) as unknown as (y: Argv<GlobalArgs>) => Argv<object>,
  };
}
