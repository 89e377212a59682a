// Shared by `live pause|resume|flatten|status`: the bot and the CLI are separate processes that meet in trading.db.
import type { Argv } from '../../../vendor/yargs.js';
import { resolveHome } from '../../../../config/index.js';
import { UserError } from '../../../domain/index.js';
import type { GlobalArgs } from '../../command.js';
import { printJson, printLine } from '../../output.js';

export type ControlArgs = { session?: string };

export function controlFlags<T>(y: Argv<T>): Argv<T & ControlArgs> {
  return y.option('session', { type: 'string', describe: 'session id (default: the running session)' }) as unknown as Argv<T & ControlArgs>;
}

export async function sendControl(command: 'pause' | 'resume' | 'flatten', args: ControlArgs & GlobalArgs): Promise<void> {
  const { openSessions } = await import('../../../app/run-session.js');
  const { LiveSessions } = await import('../../../../data/store/live-sessions.js');
  const db = openSessions(resolveHome(args.home));
  try {
    const sessions = new LiveSessions(db);
    const s = args.session ? sessions.get(args.session) : sessions.latest();
    if (!s) throw new UserError(args.session ? `no session "${args.session}"` : 'no session yet');
    if (s.status !== 'running') throw new UserError(`session ${s.id} is not running (${s.status})`);
    sessions.enqueue(s.id, command);
    if (args.json) printJson({ session: s.id, command, queued: true });
    else printLine(`${command} queued for session ${s.id}; it applies before the next bar`);
  } finally {
    db.close();
  }
}
