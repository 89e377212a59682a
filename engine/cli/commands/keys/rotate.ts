import { defineCommand } from '../../command.js';
import { parseDurationMs, isoUtc } from '../../../domain/index.js';
import { printJson, printLine, renderKeyValue, warn } from '../../output.js';
import { openKeys } from './open.js';

export default defineCommand({
  command: 'rotate',
  describe: 'issue a replacement key (same principal and scopes) and let the old one expire after an overlap',
  builder: (y) =>
    y
      .option('key', { type: 'string', demandOption: true, describe: 'the key id to replace' })
      .option('overlap', { type: 'string', default: '24h', describe: 'how long the old key keeps working, e.g. 24h, 30m, 0s' })
      .option('expires', { type: 'string', default: '365d', describe: 'lifetime of the new key ("never" for no expiry)' }),
  handler: (args) => {
    const overlapMs = parseDurationMs(args.overlap.replace(/^0$/, '0s'), '--overlap');
    const lifetimeMs = args.expires === 'never' ? null : parseDurationMs(args.expires, '--expires');
    const ctx = openKeys(args, { masterKey: true, mustExist: true });
    try {
      const { issued, oldExpiresAt } = ctx.keyring!.rotate({ keyId: args.key, overlapMs, now: Date.now(), lifetimeMs });
      if (args.json) {
        printJson({ keyId: issued.keyId, secret: issued.secret, principal: issued.principal, scopes: issued.scopes, replacesKeyId: args.key, oldExpiresAt, expiresAt: issued.expiresAt });
      } else {
        printLine(renderKeyValue([
          ['key id', issued.keyId], ['secret', issued.secret], ['principal', issued.principal], ['scopes', issued.scopes],
          ['replaces', args.key], ['old key expires', isoUtc(oldExpiresAt)],
        ]));
        warn('The secret is shown only this once: store it now.');
      }
    } finally {
      ctx.store.close();
    }
  },
});
