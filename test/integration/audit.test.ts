import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { runCli, tempDir, rm } from '../helpers/cli.js';

const KEY = Buffer.alloc(32, 3).toString('base64');
let home: string;
const cli = (args: string[]) => runCli(args, { home, env: { CANDLEKEEP_MASTER_KEY: KEY } });

beforeEach(() => {
  home = tempDir('ck-audit-');
  for (const p of ['alice', 'bob', 'carol']) expect(cli(['keys', 'create', '--principal', p, '--scopes', 'read']).code).toBe(0);
});
afterEach(() => rm(home));

describe('candlekeep audit', () => {
  it('verify reports an intact chain', () => {
    const r = cli(['audit', 'verify']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/audit chain intact: 3 rows, last seq 3/);
  });

  it('tail shows the newest rows, as JSON with --json', () => {
    const r = cli(['audit', 'tail', '--limit', '2', '--json']);
    expect(r.code).toBe(0);
    const rows = JSON.parse(r.stdout);
    expect(rows.map((x: { seq: number; event: string; principal: string }) => [x.seq, x.event, x.principal])).toEqual([[2, 'key.created', 'bob'], [3, 'key.created', 'carol']]);
    expect(cli(['audit', 'tail']).stdout).toMatch(/key\.created/);
  });

  it('a raw file edit of a row makes verify fail at that seq', () => {
    const file = path.join(home, 'security.db');
    const db = new Database(file);
    const row = db.prepare('SELECT detail FROM audit_log WHERE seq = 2').get() as { detail: string };
    db.close();
    // The row's detail text is unique (it holds the key's expiry in ms); flip one byte of it in the file.
    const bytes = fs.readFileSync(file);
    const pos = bytes.indexOf(Buffer.from(row.detail));
    expect(pos).toBeGreaterThan(0);
    expect(bytes.indexOf(Buffer.from(row.detail), pos + 1)).toBe(-1);
    const at = pos + row.detail.indexOf('"read"') + 4;
    bytes[at] = 'X'.charCodeAt(0);
    fs.writeFileSync(file, bytes);
    const r = cli(['audit', 'verify']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/audit chain broken at seq 2/);
    const j = cli(['audit', 'verify', '--json']);
    expect(j.code).toBe(1);
    expect(JSON.parse(j.stdout)).toMatchObject({ ok: false, brokenSeq: 2 });
  });

  it('refuses UPDATE and DELETE on audit_log', () => {
    const db = new Database(path.join(home, 'security.db'));
    try {
      expect(() => db.prepare("UPDATE audit_log SET principal = 'x'").run()).toThrow(/append-only/);
      expect(() => db.prepare('DELETE FROM audit_log').run()).toThrow(/append-only/);
    } finally {
      db.close();
    }
  });
});
