import { loadConfig, resolveHome } from '../../../../config/index.js';
import { UserError, isoUtc, parseInstrument, parseTimeframe } from '../../../domain/index.js';
import { defineCommand } from '../../command.js';
import { printJson, printLine, renderTable, warn } from '../../output.js';
import type { CheckReport, CheckVerdict, ProblemKind } from '../../../../data/check/index.js';

type CheckArgs = {
  instrument?: string;
  file?: string;
  timeframe: string;
  'max-problems'?: number;
  threshold?: number;
  strict?: boolean;
  'outlier-k': number;
  'outlier-window': number;
  limit: number;
};

export default defineCommand<CheckArgs>({
  command: 'check',
  describe: 'check a stored series or a CSV file: gaps, duplicates, off-grid times, OHLC errors, bad prices, placeholder runs, outlier jumps',
  builder: (y) =>
    y
      .option('instrument', { type: 'string', describe: 'stored series to check: <ccxt exchange id>:<ccxt symbol>, e.g. binance:BTC/USDT' })
      .option('file', { type: 'string', describe: 'check a CSV file directly instead (same formats as data import; nothing is stored)' })
      .option('timeframe', { type: 'string', demandOption: true, describe: 'bar timeframe as a ccxt string: 1m 5m 15m 1h 4h 1d …' })
      .option('max-problems', { type: 'number', describe: 'fail (exit 1) when more problem bars than this are found' })
      .option('threshold', { type: 'number', describe: 'fail (exit 1) when problem bars / expected bars exceed this fraction, e.g. 0.01 (default: config data.checkThreshold, 0)' })
      .option('strict', { type: 'boolean', default: false, describe: 'count placeholder runs and outlier jumps as problems, not warnings' })
      .option('outlier-k', { type: 'number', default: 40, describe: 'outlier jump: |log return| above k × the rolling robust sigma' })
      .option('outlier-window', { type: 'number', default: 100, describe: 'returns in the rolling window of the robust sigma' })
      .option('limit', { type: 'number', default: 20, describe: 'list at most this many entries per problem kind in the table (--json lists all)' }),
  handler: async (args) => {
    const timeframe = parseTimeframe(args.timeframe);
    if ((args.instrument === undefined) === (args.file === undefined)) throw new UserError('name what to check: --instrument <id> (a stored series) or --file <csv>, not both');
    if (args['max-problems'] !== undefined && args.threshold !== undefined) throw new UserError('use --max-problems or --threshold, not both');
    const maxProblems = args['max-problems'];
    if (maxProblems !== undefined && (!Number.isInteger(maxProblems) || maxProblems < 0)) throw new UserError(`--max-problems: "${maxProblems}" must be a whole number >= 0`);
    if (args.threshold !== undefined && !(args.threshold >= 0 && args.threshold <= 1)) throw new UserError(`--threshold: "${args.threshold}" must be a fraction from 0 to 1 (e.g. 0.01 for 1%)`);
    const k = args['outlier-k'], w = args['outlier-window'], limit = args.limit;
    if (!(Number.isFinite(k) && k > 0)) throw new UserError(`--outlier-k: "${k}" must be a positive number`);
    if (!(Number.isInteger(w) && w >= 2 && w <= 100_000)) throw new UserError(`--outlier-window: "${w}" must be a whole number from 2 to 100000`);
    if (!(Number.isInteger(limit) && limit >= 0)) throw new UserError(`--limit: "${limit}" must be a whole number >= 0`);
    const home = resolveHome(args.home);
    const config = loadConfig({ home, file: args.config });
    const ratio = args.threshold ?? config.data.checkThreshold;

    const { checkBars, judge, readCsvForCheck, PROBLEM_KINDS } = await import('../../../../data/check/index.js');
    let subject: Subject;
    let report: CheckReport;
    if (args.file !== undefined) {
      subject = { file: args.file, timeframe };
      report = checkBars(readCsvForCheck(args.file, timeframe), { outlierK: k, outlierWindow: w });
    } else {
      const inst = parseInstrument(args.instrument!);
      subject = { instrument: inst.id, timeframe };
      const { openBarStore } = await import('../../../../data/index.js');
      const store = openBarStore(home);
      try {
        const key = { instrument: inst.id, timeframe };
        const info = store.info(key);
        if (!info) {
          throw new UserError(`no bars stored for ${inst.id} ${timeframe}; fetch or import them first (data list shows what is stored)`);
        }
        subject = { ...subject, source: info.source, synthetic: info.synthetic };
        report = checkBars({ timeframe, ...store.read(key) }, { outlierK: k, outlierWindow: w });
      } finally {
        store.close();
      }
    }
    const verdict = judge(report, { maxProblems, ratio, strict: args.strict });
    if (args.json) printJson({ ...subject, ...report, ...(report.first !== undefined ? { firstIso: isoUtc(report.first), lastIso: isoUtc(report.last!) } : {}), verdict });
    else printLine(renderReport(subject, report, verdict, { limit, strict: args.strict ?? false, levels: PROBLEM_KINDS }));
    if (verdict.failed) {
      warn(`candlekeep: data check failed: ${verdict.reason}`);
      process.exitCode = 1;
    }
  },
});

/** What was checked: a file, or a stored series with its source (synthetic data is labelled). */
type Subject = { file?: string; instrument?: string; timeframe: string; source?: string; synthetic?: boolean };

function renderReport(
  subject: Subject,
  r: CheckReport,
  v: CheckVerdict,
  opts: { limit: number; strict: boolean; levels: Readonly<Record<ProblemKind, 'error' | 'warning'>> },
): string {
  const { limit, levels } = opts;
  const what =
    subject.file !== undefined
      ? `file "${subject.file}"`
      : `${subject.instrument} (${subject.synthetic ? 'SYNTHETIC data, ' : ''}source ${subject.source})`;
  const out: string[] = [];
  out.push(`data check: ${what} ${r.timeframe}`);
  out.push(
    r.first === undefined
      ? 'no bars'
      : `${r.bars} bars, ${isoUtc(r.first)} … ${isoUtc(r.last!)}; ${r.expectedBars} on a complete ${r.timeframe} grid; ${r.zeroVolumeBars} with zero volume`,
  );
  out.push('');
  const labels: Record<ProblemKind, string> = {
    unreadable: 'unreadable rows',
    gaps: 'missing bars (gaps)',
    duplicates: 'duplicate rows',
    offGrid: 'off-grid timestamps',
    outOfOrder: 'out-of-order rows',
    ohlc: 'OHLC inconsistencies',
    nonPositive: 'non-positive prices',
    negativeVolume: 'negative volume',
    placeholders: 'placeholder bars',
    outliers: 'outlier jumps',
  };
  const runs: Partial<Record<ProblemKind, number>> = { gaps: r.runs.gaps, placeholders: r.runs.placeholders };
  out.push(
    renderTable(
      (Object.keys(levels) as ProblemKind[]).map((kind) => ({
        check: labels[kind],
        level: opts.strict ? 'error' : levels[kind],
        count: r.counts[kind],
        runs: runs[kind] ?? null,
      })),
      ['check', 'level', 'count', 'runs'],
    ),
  );
  const t = (ms: number) => isoUtc(ms);
  const row = (x: { row?: number }) => (x.row !== undefined ? x.row : null);
  const section = <T,>(title: string, list: readonly T[], map: (x: T) => Record<string, string | number | null>) => {
    if (list.length === 0 || limit === 0) return;
    out.push('');
    out.push(`${title} (${list.length}${list.length > limit ? `, first ${limit}` : ''}):`);
    out.push(renderTable(list.slice(0, limit).map(map)));
  };
  section('unreadable rows', r.unreadable, (x) => ({ row: x.row, reason: x.reason }));
  section('gaps', r.gaps, (x) => ({ from: t(x.from), to: t(x.to), missing: x.missing }));
  section('duplicates', r.duplicates, (x) => ({ time: t(x.time), rows: x.count, identical: x.identical ? 'yes' : 'no', lines: x.rows?.join(' ') ?? null }));
  section('off-grid timestamps', r.offGrid, (x) => ({ time: t(x.time), ms: x.time, row: row(x) }));
  section('out-of-order rows', r.outOfOrder, (x) => ({ time: t(x.time), after: t(x.previous), row: row(x) }));
  section('OHLC inconsistencies', r.ohlc, (x) => ({ time: t(x.time), row: row(x), problem: x.problems.join('; ') }));
  section('non-positive prices', r.nonPositive, (x) => ({ time: t(x.time), row: row(x), fields: x.fields.join(', ') }));
  section('negative volume', r.negativeVolume, (x) => ({ time: t(x.time), row: row(x), volume: x.volume }));
  section('placeholder runs (flat, zero volume, at the previous close)', r.placeholders, (x) => ({ start: t(x.start), end: t(x.end), length: x.length }));
  section(`outlier jumps (|log return| > ${r.options.outlierK} robust sigma)`, r.outliers, (x) => ({ time: t(x.time), row: row(x), logReturn: Number(x.logReturn.toFixed(6)), sigma: Number(x.sigma.toPrecision(4)), score: Number(x.score.toFixed(1)) }));
  out.push('');
  out.push(`${v.failed ? 'FAIL' : 'OK'}: ${v.reason}${v.warnings ? `; ${v.warnings} warning bars (placeholders, outliers${v.failed ? '' : '; --strict counts them'})` : ''}`);
  return out.join('\n');
}
