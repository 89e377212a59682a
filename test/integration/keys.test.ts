import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import fs from 'node:fs';
import path from 'node:path';
import { runCli, tempDir, rm } from '../helpers/cli.js';

const KEY = Buffer.alloc(32, 3).toString('base64');
let home: string;
const cli = (args: string[], env: Record<string, string> = { CANDLEKEEP_MASTER_KEY: KEY }) => runCli(args, { home, env });

beforeEach(() => {
  home = tempDir('ck-keys-');
});
afterEach(() => rm(home));

describe('candlekeep keys', () => {
  it('create prints the secret once; --json gives keyId and secret; list never shows it', () => {
    const r = cli(['keys', 'create', '--principal', 'alice', '--scopes', 'read,trade', '--json']);
    expect(r.code).toBe(0);
    const k = JSON.parse(r.stdout);
    expect(k.keyId).toMatch(/^[a-z0-9_]{3,64}$/);
    expect(k.secret).toMatch(/^cks_[A-Za-z0-9_-]{43}$/);
    expect(k.scopes).toBe('read,trade');
    expect(k.expiresAt - k.createdAt).toBe(365 * 86_400_000);
    const human = cli(['keys', 'create', '--principal', 'bob', '--scopes', 'read', '--expires', '90d']);
    expect(human.code).toBe(0);
    expect(human.stdout).toMatch(/secret\s+cks_/);
    expect(human.stderr).toMatch(/shown only this once/);
    const list = cli(['keys', 'list']);
    expect(list.code).toBe(0);
    expect(list.stdout).not.toContain('cks_');
    expect(list.stdout).toContain(k.keyId);
    const json = JSON.parse(cli(['keys', 'list', '--json']).stdout);
    expect(Object.keys(json[0]).sort()).toEqual(['createdAt', 'expiresAt', 'keyId', 'lastUsedAt', 'principal', 'replacesKeyId', 'revokedAt', 'scopes', 'status']);
    expect(JSON.stringify(json)).not.toContain('cks_');
  });

  it('warns when a key expires within 14 days', () => {
    const r = cli(['keys', 'create', '--principal', 'alice', '--scopes', 'read', '--expires', '7d']);
    expect(r.stderr).toMatch(/expires within 14 days/);
    expect(cli(['keys', 'list']).stdout).toMatch(/expiring/);
  });

  it('rotate issues a replacement and sets the old key to expire after the overlap; revoke is immediate', () => {
    const old = JSON.parse(cli(['keys', 'create', '--principal', 'alice', '--scopes', 'trade', '--json']).stdout);
    const rot = cli(['keys', 'rotate', '--key', old.keyId, '--overlap', '24h', '--json']);
    expect(rot.code).toBe(0);
    const n = JSON.parse(rot.stdout);
    expect(n.replacesKeyId).toBe(old.keyId);
    expect(n.scopes).toBe('trade');
    const list = JSON.parse(cli(['keys', 'list', '--json']).stdout) as { keyId: string; expiresAt: number; replacesKeyId: string | null; status: string }[];
    const o = list.find((x) => x.keyId === old.keyId)!;
    expect(o.expiresAt - n.oldExpiresAt).toBe(0);
    expect(list.find((x) => x.keyId === n.keyId)!.replacesKeyId).toBe(old.keyId);
    expect(cli(['keys', 'revoke', '--key', old.keyId]).code).toBe(0);
    expect((JSON.parse(cli(['keys', 'list', '--json']).stdout) as { keyId: string; status: string }[]).find((x) => x.keyId === old.keyId)!.status).toBe('revoked');
    const again = cli(['keys', 'revoke', '--key', old.keyId]);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/already revoked/);
  });

  it('refuses a 4th active key for one principal', () => {
    for (let i = 0; i < 3; i++) expect(cli(['keys', 'create', '--principal', 'alice', '--scopes', 'read']).code).toBe(0);
    const r = cli(['keys', 'create', '--principal', 'alice', '--scopes', 'read']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/already has 3 active keys/);
    expect(r.stderr).not.toMatch(/at .*\.js/);
  });

  it('creates a 0600 master key file on first use with a clear message', () => {
    const r = cli(['keys', 'create', '--principal', 'alice', '--scopes', 'read'], {});
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/created a new master key in ".*master\.key" \(mode 0600\)/);
    expect(fs.statSync(path.join(home, 'master.key')).mode & 0o777).toBe(0o600);
    expect(cli(['keys', 'create', '--principal', 'bob', '--scopes', 'read'], {}).stderr).not.toMatch(/created a new master key/);
  });

  it('a wrong master key fails with a clear message, for keys and for serve', () => {
    expect(cli(['keys', 'create', '--principal', 'alice', '--scopes', 'read']).code).toBe(0);
    const wrong = { CANDLEKEEP_MASTER_KEY: Buffer.alloc(32, 4).toString('base64') };
    const r = cli(['keys', 'create', '--principal', 'bob', '--scopes', 'read'], wrong);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/wrong master key/);
    const s = cli(['serve', '--port', '0'], wrong);
    expect(s.code).toBe(1);
    expect(s.stderr).toMatch(/wrong master key/);
  });

  it('accepts CK_MASTER_KEY as SIGNING.md names it', () => {
    expect(cli(['keys', 'create', '--principal', 'alice', '--scopes', 'read'], { CK_MASTER_KEY: KEY }).code).toBe(0);
    expect(cli(['keys', 'create', '--principal', 'bob', '--scopes', 'read']).code).toBe(0);
  });

  it('rejects bad flags with one line', () => {
    const r = cli(['keys', 'create', '--principal', 'Alice!', '--scopes', 'read']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/--principal/);
    expect(cli(['keys', 'create', '--principal', 'a', '--scopes', 'admin']).stderr).toMatch(/unknown scope "admin"/);
    expect(cli(['keys', 'revoke', '--key', 'ck_nope']).code).toBe(1);
  });

  it('tv-route issues a token once and stores only its hash', () => {
    const r = cli(['keys', 'tv-route', '--route', 'tv1', '--symbols', 'BTC/USDT', '--max-notional', '500', '--json']);
    expect(r.code).toBe(0);
    const t = JSON.parse(r.stdout);
    expect(t.token).toMatch(/^ckt_/);
    const bytes = fs.readFileSync(path.join(home, 'security.db'));
    expect(bytes.includes(Buffer.from(t.token))).toBe(false);
  });
});
