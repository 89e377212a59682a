import { defineCommand } from '../../command.js';
import { parseDurationMs, isoUtc } from '../../../domain/index.js';
import { parseScopes, EXPIRY_WARNING_MS } from '../../../signing/keyring.js';
import { printJson, printLine, renderKeyValue, warn } from '../../output.js';
import { openKeys } from './open.js';

export default defineCommand({
  command: 'create',
  describe: 'create an API key for the signed gateway; the secret is printed once',
  builder: (y) =>
    y
      .option('principal', { type: 'string', demandOption: true, describe: 'who the key belongs to (a-z 0-9 _ . -), e.g. alice or tv-bot' })
      .option('scopes', { type: 'string', demandOption: true, describe: 'read, trade or read,trade (trade does not imply read)' })
      .option('expires', { type: 'string', default: '365d', describe: 'lifetime, e.g. 90d, 24h; "never" for no expiry (default 365d)' }),
  handler: (args) => {
    const scopes = parseScopes(args.scopes);
    const lifetimeMs = args.expires === 'never' ? null : parseDurationMs(args.expires, '--expires');
    const ctx = openKeys(args, { masterKey: true });
    try {
      const k = ctx.keyring!.create({ principal: args.principal, scopes, now: Date.now(), lifetimeMs });
      if (args.json) {
        printJson({ keyId: k.keyId, secret: k.secret, principal: k.principal, scopes: k.scopes, createdAt: k.createdAt, expiresAt: k.expiresAt });
      } else {
        printLine(renderKeyValue([
          ['key id', k.keyId], ['secret', k.secret], ['principal', k.principal], ['scopes', k.scopes],
          ['expires', k.expiresAt === null ? 'never' : isoUtc(k.expiresAt)],
        ]));
        warn('The secret is shown only this once: store it now (e.g. CANDLEKEEP_API_SECRET for `candlekeep order submit`).');
      }
      if (k.expiresAt !== null && k.expiresAt - k.createdAt <= EXPIRY_WARNING_MS) warn(`warning: key ${k.keyId} expires within 14 days (${isoUtc(k.expiresAt)})`);
    } finally {
      ctx.store.close();
    }
  },
});
