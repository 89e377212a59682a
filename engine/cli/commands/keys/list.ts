import { defineCommand } from '../../command.js';
import { isoUtc } from '../../../domain/index.js';
import { keyStatusLabel } from '../../../signing/keyring.js';
import { printJson, printLine, renderTable, warn } from '../../output.js';
import { openKeys } from './open.js';

export default defineCommand({
  command: 'list',
  describe: 'list API keys (never their secrets): status, scopes, created, expires, last used, what each replaces',
  builder: (y) => y.option('principal', { type: 'string', describe: 'only the keys of this principal' }),
  handler: (args) => {
    const ctx = openKeys(args, { masterKey: false });
    try {
      const now = Date.now();
      const keys = ctx.store.keys.list().filter((k) => !args.principal || k.principal === args.principal);
      const rows = keys.map((k) => ({
        keyId: k.keyId, principal: k.principal, scopes: k.scopes, status: keyStatusLabel(k, now),
        createdAt: k.createdAt, expiresAt: k.expiresAt, lastUsedAt: k.lastUsedAt, revokedAt: k.revokedAt, replacesKeyId: k.replacesKeyId,
      }));
      if (args.json) return printJson(rows);
      const t = (ms: number | null) => (ms === null ? '' : isoUtc(ms));
      printLine(renderTable(
        rows.map((r) => ({
          'key id': r.keyId, principal: r.principal, scopes: r.scopes, status: r.status, created: t(r.createdAt),
          expires: r.expiresAt === null ? 'never' : t(r.expiresAt), 'last used': t(r.lastUsedAt) || 'never', replaces: r.replacesKeyId ?? '',
        })),
      ));
      for (const r of rows) if (r.status === 'expiring') warn(`warning: key ${r.keyId} expires ${t(r.expiresAt)} (within 14 days): candlekeep keys rotate --key ${r.keyId}`);
    } finally {
      ctx.store.close();
    }
  },
});
