import { UserError } from '../../engine/domain/index.js';
import { dbError, migrate, openDatabase, type Db, type Migration } from './db.js';

/**
 * Optimisation and walk-forward trials in SQLite (market database, component `research`).
 * Every finished batch is committed at once, so an interrupted sweep keeps what finished and a rerun of
 * the same spec (same run id) resumes where it stopped.
 */
export type StoredTrial = {
  readonly index: number;
  readonly params: Readonly<Record<string, number | string | boolean>>;
  readonly objective: number | null;
  readonly metrics: Readonly<Record<string, number | null>> | null;
  readonly returns: readonly number[];
  readonly error?: string;
};

export type ResearchRun = {
  readonly runId: string;
  readonly kind: string;
  readonly strategyId: string;
  readonly spec: unknown;
  readonly status: 'running' | 'done' | 'interrupted';
  readonly total: number;
  readonly createdAt: number;
};

const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    up: (db) => db.exec(`
      CREATE TABLE research_runs (
        run_id TEXT PRIMARY KEY, kind TEXT NOT NULL, strategy_id TEXT NOT NULL, spec_json TEXT NOT NULL,
        status TEXT NOT NULL CHECK (status IN ('running','done','interrupted')), total INTEGER NOT NULL, created_at INTEGER NOT NULL);
      CREATE TABLE research_trials (
        run_id TEXT NOT NULL REFERENCES research_runs(run_id) ON DELETE CASCADE, scope TEXT NOT NULL, idx INTEGER NOT NULL,
        params_json TEXT NOT NULL, objective REAL, metrics_json TEXT, returns BLOB, error TEXT,
        PRIMARY KEY (run_id, scope, idx));`),
  },
];

export class OptimizationStore {
  private constructor(private readonly db: Db, readonly file: string) {}

  static open(file: string): OptimizationStore {
    const db = openDatabase(file);
    try {
      migrate(db, 'research', MIGRATIONS);
    } catch (e) {
      db.close();
      throw e instanceof UserError ? e : dbError(file, e);
    }
    return new OptimizationStore(db, file);
  }

  /** Creates the run row, or returns the existing one (resume). A run with a different spec under the same id is refused. */
  begin(run: Omit<ResearchRun, 'status'>): ResearchRun {
    const specJson = JSON.stringify(run.spec);
    const row = this.db.prepare('SELECT * FROM research_runs WHERE run_id = ?').get(run.runId) as RunRow | undefined;
    if (row) {
      if (row.spec_json !== specJson) throw new UserError(`research run "${run.runId}" exists with a different spec`);
      this.db.prepare("UPDATE research_runs SET status = 'running' WHERE run_id = ?").run(run.runId);
      return fromRunRow({ ...row, status: 'running' });
    }
    this.db.prepare('INSERT INTO research_runs (run_id, kind, strategy_id, spec_json, status, total, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)')
      .run(run.runId, run.kind, run.strategyId, specJson, 'running', run.total, run.createdAt);
    return { ...run, status: 'running' };
  }

  /** Stores a batch of trials in one transaction. `scope` separates the sweeps of one run (walk-forward windows). */
  putTrials(runId: string, scope: string, trials: readonly StoredTrial[]): void {
    const ins = this.db.prepare(`INSERT OR REPLACE INTO research_trials (run_id, scope, idx, params_json, objective, metrics_json, returns, error)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?)`);
    try {
      this.db.transaction(() => {
        for (const t of trials) {
          ins.run(runId, scope, t.index, JSON.stringify(t.params), t.objective, t.metrics ? JSON.stringify(t.metrics) : null,
            Buffer.from(Float64Array.from(t.returns).buffer), t.error ?? null);
        }
      })();
    } catch (e) {
      throw dbError(this.file, e);
    }
  }

  trials(runId: string, scope: string): StoredTrial[] {
    const rows = this.db.prepare('SELECT * FROM research_trials WHERE run_id = ? AND scope = ? ORDER BY idx').all(runId, scope) as TrialRow[];
    return rows.map((r) => ({
      index: r.idx,
      params: JSON.parse(r.params_json) as StoredTrial['params'],
      objective: r.objective,
      metrics: r.metrics_json ? (JSON.parse(r.metrics_json) as StoredTrial['metrics']) : null,
      returns: r.returns ? Array.from(new Float64Array(r.returns.buffer.slice(r.returns.byteOffset, r.returns.byteOffset + r.returns.byteLength))) : [],
      ...(r.error ? { error: r.error } : {}),
    }));
  }

  finish(runId: string, status: 'done' | 'interrupted'): void {
    this.db.prepare('UPDATE research_runs SET status = ? WHERE run_id = ?').run(status, runId);
  }

  get(runId: string): ResearchRun | undefined {
    const row = this.db.prepare('SELECT * FROM research_runs WHERE run_id = ?').get(runId) as RunRow | undefined;
    return row ? fromRunRow(row) : undefined;
  }

  close(): void {
    this.db.close();
  }
}

type RunRow = { run_id: string; kind: string; strategy_id: string; spec_json: string; status: ResearchRun['status']; total: number; created_at: number };
type TrialRow = { idx: number; params_json: string; objective: number | null; metrics_json: string | null; returns: Buffer | null; error: string | null };

function fromRunRow(r: RunRow): ResearchRun {
  return { runId: r.run_id, kind: r.kind, strategyId: r.strategy_id, spec: JSON.parse(r.spec_json), status: r.status, total: r.total, createdAt: r.created_at };
}
