import fs from 'node:fs';
import path from 'node:path';
import { UserError } from '../domain/index.js';
import { RunIndex, type RunRecord } from '../../data/store/run-index.js';
import { REPORT_SCHEMA_ID, type Report } from './report-schema.js';

/** Reads and validates a report.json; errors name the file and the field. */
export async function readReport(file: string): Promise<Report> {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new UserError(
      code === 'ENOENT' ? `the report "${file}" is missing (was the results folder moved or deleted?)` : `cannot read the report "${file}" (${code ?? String(e)})`,
    );
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new UserError(`the report "${file}" is not valid JSON: ${(e as Error).message}`);
  }
  const schema = (raw as { schema?: unknown } | null)?.schema;
  if (typeof schema === 'string' && schema !== REPORT_SCHEMA_ID) {
    throw new UserError(`the report "${file}" has schema "${schema}", which this Candlekeep cannot read (it reads candlekeep.report/v1)`);
  }
  const { ReportSchema } = await import('./report-zod.js');
  const parsed = ReportSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new UserError(`the report "${file}" is not a valid candlekeep.report/v1: ${issue.path.join('.') || '(root)'}: ${issue.message}`);
  }
  return parsed.data as unknown as Report;
}

export type LoadedRun = { readonly record: RunRecord; readonly report: Report; readonly file: string };

/** Resolves run references (id, id prefix, hash prefix, `latest`) in the index and loads their reports. */
export async function loadRuns(marketDb: string, refs: readonly string[]): Promise<LoadedRun[]> {
  // Reading must not create a database.
  if (!fs.existsSync(marketDb)) throw new UserError(`unknown run "${refs[0] ?? ''}": there are no runs yet (no database at "${marketDb}"; run \`candlekeep backtest …\` first)`);
  const index = RunIndex.open(marketDb);
  let records;
  try {
    records = refs.map((ref) => index.resolve(ref));
  } finally {
    index.close();
  }
  const out: LoadedRun[] = [];
  for (const record of records) {
    const file = path.join(record.path, 'report.json');
    out.push({ record, report: await readReport(file), file });
  }
  return out;
}

/** The runs in the index, newest first. */
export function listRuns(marketDb: string, opts: { readonly kind?: string; readonly strategyId?: string; readonly limit?: number } = {}): RunRecord[] {
  if (!fs.existsSync(marketDb)) return [];
  const index = RunIndex.open(marketDb);
  try {
    return index.list(opts);
  } finally {
    index.close();
  }
}
