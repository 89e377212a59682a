import Database from 'better-sqlite3';
import fs from 'node:fs';
import path from 'node:path';
import { UserError } from '../../engine/domain/index.js';

export type Db = Database.Database;

/** One schema step. Versions are per component and applied in order, each in a transaction. */
export type Migration = { readonly version: number; readonly up: (db: Db) => void };

export type OpenOptions = {
  /** `FULL` for the security and order-journal databases (a crash must not reopen replay or lose an intent). */
  readonly synchronous?: 'NORMAL' | 'FULL';
  readonly readonly?: boolean;
};

/**
 * Opens (creating if needed) a SQLite database with WAL, and turns the usual failures
 * (no permission, locked, not a database) into one-line UserErrors naming the file.
 */
export function openDatabase(file: string, opts: OpenOptions = {}): Db {
  const dir = path.dirname(file);
  try {
    fs.mkdirSync(dir, { recursive: true });
  } catch (e) {
    throw new UserError(`cannot create the folder "${dir}": ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
  }
  if (!opts.readonly) {
    try {
      fs.accessSync(dir, fs.constants.W_OK);
    } catch {
      throw new UserError(`the folder "${dir}" is not writable; choose another with --home or CANDLEKEEP_HOME`);
    }
  }
  let db: Db;
  try {
    db = new Database(file, { readonly: opts.readonly ?? false, fileMustExist: opts.readonly ?? false, timeout: 2000 });
    db.pragma('journal_mode = WAL');
    db.pragma(`synchronous = ${opts.synchronous ?? 'NORMAL'}`);
    db.pragma('foreign_keys = ON');
    // Touch the schema so a corrupt file fails here, not halfway through a write.
    db.prepare('SELECT count(*) FROM sqlite_master').get();
  } catch (e) {
    throw dbError(file, e);
  }
  return db;
}

/** Maps SQLite errors to a clear one-line message. */
export function dbError(file: string, e: unknown): Error {
  const code = (e as { code?: string }).code ?? '';
  const msg = (e as Error).message ?? String(e);
  if (code === 'SQLITE_BUSY' || code === 'SQLITE_LOCKED') {
    return new UserError(`the database "${file}" is locked by another process; stop it or wait and retry`);
  }
  if (code === 'SQLITE_NOTADB' || code === 'SQLITE_CORRUPT' || /not a database|malformed/.test(msg)) {
    return new UserError(`the database "${file}" is corrupt or not a Candlekeep database (${msg}); move it away and re-import`);
  }
  if (code === 'SQLITE_CANTOPEN' || code === 'SQLITE_READONLY' || code === 'SQLITE_PERM') {
    return new UserError(`cannot write the database "${file}" (${code}); check the folder's permissions or use --home`);
  }
  if (code === 'SQLITE_FULL') return new UserError(`the disk holding "${file}" is full; nothing was written`);
  return e instanceof Error ? e : new Error(String(e));
}

/** Applies pending migrations of one component; each step runs in its own transaction with its version row. */
export function migrate(db: Db, component: string, migrations: readonly Migration[]): void {
  db.exec(`CREATE TABLE IF NOT EXISTS schema_versions (
    component TEXT NOT NULL, version INTEGER NOT NULL, applied_at INTEGER NOT NULL,
    PRIMARY KEY (component, version))`);
  const done = new Set(
    (db.prepare('SELECT version FROM schema_versions WHERE component = ?').all(component) as { version: number }[]).map(
      (r) => r.version,
    ),
  );
  const sorted = [...migrations].sort((a, b) => a.version - b.version);
  const newest = sorted.at(-1)?.version ?? 0;
  const applied = Math.max(0, ...done);
  if (applied > newest) {
    throw new UserError(`the database has ${component} schema v${applied}, newer than this Candlekeep knows (v${newest}); upgrade Candlekeep`);
  }
  for (const m of sorted) {
    if (done.has(m.version)) continue;
    db.transaction(() => {
      m.up(db);
      db.prepare('INSERT INTO schema_versions (component, version, applied_at) VALUES (?, ?, ?)').run(component, m.version, Date.now());
    })();
  }
}
