import type { Argv, ArgumentsCamelCase } from 'yargs';

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

/** A command that only groups subcommands (`data fetch`, `data import`, …). */
export function defineGroup(command: string, describe: string, subs: readonly CommandDef<any>[]): CommandDef<object> {
  return {
    command: `${command} <command>`,
    describe,
    builder: (y) => {
      for (const s of subs) y.command(s as never);
      return y.demandCommand(1, `${command}: name a subcommand (see --help)`);
    },
  };
}
