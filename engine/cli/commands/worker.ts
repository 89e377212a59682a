import { resolveHome } from '../../../config/index.js';
import { UserError } from '../../domain/index.js';
import { defineCommand } from '../command.js';
import { warn } from '../output.js';
import { interruptSignal } from '../progress.js';

type WorkerArgs = { queue: string; concurrency?: number };

export default defineCommand<WorkerArgs>({
  command: 'worker',
  describe: 'run optimisation jobs from a Redis queue (BullMQ) against this machine\'s bar store, until Ctrl-C',
  builder: (y) =>
    y
      .option('queue', { type: 'string', demandOption: true, describe: 'Redis URL of the queue, e.g. redis://10.0.0.5:6379' })
      .option('concurrency', { type: 'number', describe: 'jobs run at once (default 1; run one worker process per core)' }) as never,
  handler: async (args) => {
    const home = resolveHome(args.home);
    const concurrency = args.concurrency ?? 1;
    if (!(Number.isInteger(concurrency) && concurrency >= 1 && concurrency <= 64)) throw new UserError(`--concurrency must be a whole number from 1 to 64, got ${args.concurrency}`);
    const { runQueueWorker, parseRedisUrl } = await import('../../research/queue.js');
    parseRedisUrl(args.queue);
    const { loadStrategy } = await import('../../app/load-strategy.js');
    const { loadSeries } = await import('../../app/backtest-from-store.js');
    const { openBarStore } = await import('../../../data/index.js');
    const { parseTimeframe } = await import('../../domain/index.js');
    const intr = interruptSignal(() => warn('stopping: finishing the jobs in progress'));
    warn(`worker: waiting for jobs on ${args.queue} (Ctrl-C to stop)`);
    let jobs = 0;
    try {
      await runQueueWorker({
        url: args.queue, concurrency, signal: intr.signal,
        onJob: (j, n) => { jobs++; if (!args.json) warn(`job ${jobs}: ${j.runId} ${n} trials`); },
        resources: {
          loadStrategy,
          loadSeries: (s) => {
            const store = openBarStore(home, { readonly: true });
            try {
              const key = { instrument: s.instrument, timeframe: parseTimeframe(s.timeframe) };
              const [d] = loadSeries(store, [key], { ...(s.from !== undefined ? { from: s.from } : {}), ...(s.to !== undefined ? { to: s.to } : {}) });
              return { bars: d!.bars, hash: d!.hash ?? '', synthetic: d!.synthetic ?? false };
            } finally {
              store.close();
            }
          },
        },
      });
    } finally {
      intr.dispose();
    }
    warn(`worker: stopped after ${jobs} jobs`);
  },
});
