import yargs from '../vendor/yargs.js';
import { UserError, editDistance, suggest } from '../domain/index.js';
import { commands } from './commands/index.js';

const VERSION = '0.1.0';

/** Thrown from yargs' fail hook to stop parsing; the recorded failure is reported by main. */
class ArgumentsRejected extends Error {}

/**
 * Runs the CLI and returns the exit code: 0 success, 1 user error (one line, no stack trace),
 * 2 internal error.
 */
export async function main(argv: readonly string[]): Promise<number> {
  let failure: { message: string; knownFlags: string[]; knownCommands: string[] } | undefined;
  const parser = yargs([...argv])
    .scriptName('candlekeep')
    .version(VERSION)
    .option('home', { type: 'string', describe: 'home folder for data, keys and results (default ./.candlekeep, or CANDLEKEEP_HOME)', global: true })
    .option('config', { type: 'string', describe: 'config file (JSON); default <home>/config.json when present', global: true })
    .option('json', { type: 'boolean', describe: 'print results as JSON', global: true })
    .strict()
    .recommendCommands()
    .demandCommand(1, 'name a command (see --help)')
    .wrap(Math.min(110, process.stdout.columns ?? 100))
    .exitProcess(false)
    .fail((msg, err) => {
      if (err) throw err;
      // After a failed parse the parser holds the options of the command that failed.
      const opts = (parser as unknown as { getOptions(): { key?: Record<string, unknown> } }).getOptions();
      const internal = parser as unknown as { getInternalMethods(): { getCommandInstance(): { getCommands(): string[] } } };
      let knownCommands: string[] = [];
      try {
        knownCommands = internal.getInternalMethods().getCommandInstance().getCommands();
      } catch {
        knownCommands = [];
      }
      failure = { message: msg ?? 'invalid arguments', knownFlags: Object.keys(opts.key ?? {}), knownCommands };
      // Stop here: without a throw yargs 18 would still run the command's handler.
      throw new ArgumentsRejected();
    });
  for (const c of commands) parser.command(c as never);
  try {
    await parser.parseAsync();
  } catch (e) {
    if (!(e instanceof ArgumentsRejected)) return reportError(e);
  }
  if (failure) {
    process.stderr.write(`candlekeep: ${withSuggestion(failure.message, failure.knownFlags, failure.knownCommands, argv)}\n`);
    process.stderr.write('Run with --help for usage.\n');
    return 1;
  }
  return typeof process.exitCode === 'number' ? process.exitCode : 0;
}

function withSuggestion(message: string, flags: string[], cmds: string[], argv: readonly string[]): string {
  const dym = /^Did you mean (\S+)\?$/.exec(message);
  if (dym) {
    // yargs' own recommendation: name the mistyped word and the words before it (the group).
    const words = argv.filter((a) => !a.startsWith('-'));
    let best = -1, bestD = Infinity;
    words.forEach((w, i) => {
      const d = editDistance(w, dym[1]!);
      if (w !== dym[1] && d < bestD) { bestD = d; best = i; }
    });
    if (best >= 0) {
      const prefix = words.slice(0, best).join(' ');
      const join = (w: string) => (prefix ? `${prefix} ${w}` : w);
      return `unknown command "${join(words[best]!)}" — did you mean "${join(dym[1]!)}"?`;
    }
    return message;
  }
  const group = /^(\S+): name a subcommand/.exec(message);
  if (group) {
    // `candlekeep report lst`: the word after the group is a mistyped subcommand.
    const i = argv.indexOf(group[1]!);
    const word = i >= 0 ? argv[i + 1] : undefined;
    if (word && !word.startsWith('-')) {
      const s = suggest(word, cmds);
      return `unknown command "${group[1]} ${word}"${s ? ` — did you mean "${group[1]} ${s}"?` : cmds.length ? ` (commands: ${cmds.join(', ')})` : ''}`;
    }
    return message;
  }
  const m = /^Unknown arguments?: (.+)$/.exec(message);
  if (!m) return message;
  // yargs reports a mistyped --dashed-flag twice (kebab and camelCase): keep the kebab one.
  const unknown = m[1]!.split(', ');
  const kebab = (x: string) => x.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
  const words = unknown.filter((u) => !(u !== kebab(u) && unknown.includes(kebab(u))));
  const hints = words.map((u) => {
    if (argv.includes(u)) {
      const s = suggest(u, cmds);
      return `unknown command "${u}"${s ? ` — did you mean "${s}"?` : cmds.length ? ` (commands: ${cmds.join(', ')})` : ''}`;
    }
    const s = suggest(u, flags.filter((k) => k.length > 1));
    return `unknown flag --${u}${s ? ` — did you mean --${s}?` : ''}`;
  });
  return hints.join('; ');
}

export function reportError(e: unknown): number {
  if (e instanceof UserError) {
    process.stderr.write(`candlekeep: ${e.message}\n`);
    if (e.hint) process.stderr.write(`${e.hint}\n`);
    return 1;
  }
  const err = e instanceof Error ? e : new Error(String(e));
  process.stderr.write(`candlekeep: internal error: ${err.message}\n`);
  if (process.env.CANDLEKEEP_DEBUG) process.stderr.write(`${err.stack}\n`);
  else process.stderr.write('(set CANDLEKEEP_DEBUG=1 for the stack trace; please report it)\n');
  return 2;
}
