import { UserError, suggest } from '../../engine/domain/index.js';
import { dbError, migrate, openDatabase, type Db, type Migration } from './db.js';

/**
 * One indexed run (backtest now; optimisation and walk-forward later, told apart by `kind`).
 * The run's files live in `path`; the index holds what `report list` shows and what compare/search need.
 */
export type RunRecord = {
  readonly runId: string;
  /** 'backtest' | 'optimisation' | 'walk-forward'. */
  readonly kind: string;
  readonly strategyId: string;
  readonly strategyVersion: number;
  readonly params: Readonly<Record<string, number | string | boolean>>;
  readonly instruments: readonly string[];
  readonly timeframes: readonly string[];
  readonly dataFrom: number;
  readonly dataTo: number;
  /** Content hashes of the data slices, joined with '+' in slice order. */
  readonly dataHash: string;
  readonly synthetic: boolean;
  /** Key metrics (fractions, ratios, counts) for listing and sorting. */
  readonly metrics: Readonly<Record<string, number | null>>;
  /** Absolute folder holding report.json, trades.csv, report.html. */
  readonly path: string;
  /** A run this one belongs to (an optimisation's trial, a walk-forward's window); null for top-level runs. */
  readonly parentRunId: string | null;
  readonly createdAt: number;
};

const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    up: (db) => {
      db.exec(`CREATE TABLE runs (
        run_id TEXT PRIMARY KEY,
        kind TEXT NOT NULL,
        strategy_id TEXT NOT NULL,
        strategy_version INTEGER NOT NULL,
        params_json TEXT NOT NULL,
        instruments_json TEXT NOT NULL,
        timeframes_json TEXT NOT NULL,
        data_from INTEGER NOT NULL,
        data_to INTEGER NOT NULL,
        data_hash TEXT NOT NULL,
        synthetic INTEGER NOT NULL,
        metrics_json TEXT NOT NULL,
        path TEXT NOT NULL,
        parent_run_id TEXT,
        created_at INTEGER NOT NULL
      );
      CREATE INDEX runs_created ON runs (created_at);
      CREATE INDEX runs_kind_strategy ON runs (kind, strategy_id);
      CREATE INDEX runs_parent ON runs (parent_run_id);`);
    },
  },
];

type Row = {
  run_id: string; kind: string; strategy_id: string; strategy_version: number; params_json: string; instruments_json: string;
  timeframes_json: string; data_from: number; data_to: number; data_hash: string; synthetic: number; metrics_json: string;
  path: string; parent_run_id: string | null; created_at: number;
};

/** The SQLite index of runs, in the market database (component `runs`). */
export class RunIndex {
  private constructor(private readonly db: Db, readonly file: string) {}

  /** Opens (creating and migrating if needed) the run index in `file` (homePaths(home).marketDb). */
  static open(file: string): RunIndex {
    const db = openDatabase(file);
    try {
      migrate(db, 'runs', MIGRATIONS);
    } catch (e) {
      db.close();
      throw e instanceof UserError ? e : dbError(file, e);
    }
    return new RunIndex(db, file);
  }

  /** Adds a run, or replaces the row of the same id (a re-run of an identical backtest). */
  put(r: RunRecord): void {
    try {
      this.db
        .prepare(
          `INSERT OR REPLACE INTO runs (run_id, kind, strategy_id, strategy_version, params_json, instruments_json, timeframes_json,
            data_from, data_to, data_hash, synthetic, metrics_json, path, parent_run_id, created_at)
           VALUES (@run_id, @kind, @strategy_id, @strategy_version, @params_json, @instruments_json, @timeframes_json,
            @data_from, @data_to, @data_hash, @synthetic, @metrics_json, @path, @parent_run_id, @created_at)`,
        )
        .run(toRow(r));
    } catch (e) {
      throw dbError(this.file, e);
    }
  }

  get(runId: string): RunRecord | undefined {
    const row = this.db.prepare('SELECT * FROM runs WHERE run_id = ?').get(runId) as Row | undefined;
    return row ? fromRow(row) : undefined;
  }

  /** Runs newest first (ties by id), optionally of one kind / strategy, top-level only unless a parent is given. */
  list(opts: { readonly kind?: string; readonly strategyId?: string; readonly parentRunId?: string; readonly limit?: number } = {}): RunRecord[] {
    const where: string[] = [];
    const args: (string | number)[] = [];
    if (opts.kind) { where.push('kind = ?'); args.push(opts.kind); }
    if (opts.strategyId) { where.push('strategy_id = ?'); args.push(opts.strategyId); }
    if (opts.parentRunId) { where.push('parent_run_id = ?'); args.push(opts.parentRunId); }
    else where.push('parent_run_id IS NULL');
    const sql = `SELECT * FROM runs ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY created_at DESC, run_id DESC${
      opts.limit ? ` LIMIT ${Math.max(1, Math.floor(opts.limit))}` : ''}`;
    return (this.db.prepare(sql).all(...args) as Row[]).map(fromRow);
  }

  /**
   * Finds one run by its id, a unique prefix of it, a unique prefix of its hash part, or `latest`.
   * Unknown → UserError with a suggestion; ambiguous → UserError listing the matches.
   */
  resolve(ref: string): RunRecord {
    const exact = this.get(ref);
    if (exact) return exact;
    if (ref === 'latest') {
      const [newest] = this.list({ limit: 1 });
      if (newest) return newest;
      throw new UserError('no runs yet: run `candlekeep backtest …` first');
    }
    const ids = (this.db.prepare('SELECT run_id FROM runs ORDER BY run_id').all() as { run_id: string }[]).map((r) => r.run_id);
    let matches = ids.filter((id) => id.startsWith(ref));
    if (matches.length === 0) matches = ids.filter((id) => id.slice(id.lastIndexOf('-') + 1).startsWith(ref));
    if (matches.length === 1) return this.get(matches[0]!)!;
    if (matches.length > 1) {
      const shown = matches.slice(0, 5).join(', ');
      throw new UserError(`run "${ref}" is ambiguous: ${matches.length} runs match (${shown}${matches.length > 5 ? ', …' : ''}); give more characters`);
    }
    if (ids.length === 0) throw new UserError(`unknown run "${ref}": there are no runs yet (run \`candlekeep backtest …\` first)`);
    const near = suggest(ref, ids);
    throw new UserError(`unknown run "${ref}"${near ? ` — did you mean "${near}"?` : ' (see `candlekeep report list`)'}`);
  }

  delete(runId: string): boolean {
    return this.db.prepare('DELETE FROM runs WHERE run_id = ?').run(runId).changes > 0;
  }

  close(): void {
    this.db.close();
  }
}

function toRow(r: RunRecord): Row {
  return {
    run_id: r.runId,
    kind: r.kind,
    strategy_id: r.strategyId,
    strategy_version: r.strategyVersion,
    params_json: JSON.stringify(r.params),
    instruments_json: JSON.stringify(r.instruments),
    timeframes_json: JSON.stringify(r.timeframes),
    data_from: r.dataFrom,
    data_to: r.dataTo,
    data_hash: r.dataHash,
    synthetic: r.synthetic ? 1 : 0,
    metrics_json: JSON.stringify(r.metrics),
    path: r.path,
    parent_run_id: r.parentRunId,
    created_at: r.createdAt,
  };
}

function fromRow(row: Row): RunRecord {
  return {
    runId: row.run_id,
    kind: row.kind,
    strategyId: row.strategy_id,
    strategyVersion: row.strategy_version,
    params: JSON.parse(row.params_json) as Record<string, number | string | boolean>,
    instruments: JSON.parse(row.instruments_json) as string[],
    timeframes: JSON.parse(row.timeframes_json) as string[],
    dataFrom: row.data_from,
    dataTo: row.data_to,
    dataHash: row.data_hash,
    synthetic: row.synthetic === 1,
    metrics: JSON.parse(row.metrics_json) as Record<string, number | null>,
    path: row.path,
    parentRunId: row.parent_run_id,
    createdAt: row.created_at,
  };
}
