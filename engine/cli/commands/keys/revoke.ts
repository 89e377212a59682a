import { defineCommand } from '../../command.js';
import { isoUtc } from '../../../domain/index.js';
import { revokeKey } from '../../../signing/keyring.js';
import { printJson, printLine } from '../../output.js';
import { openKeys } from './open.js';

export default defineCommand({
  command: 'revoke',
  describe: 'revoke an API key at once (whatever its rotation overlap)',
  builder: (y) => y.option('key', { type: 'string', demandOption: true, describe: 'the key id to revoke' }),
  handler: (args) => {
    const ctx = openKeys(args, { masterKey: false, mustExist: true });
    try {
      const k = revokeKey(ctx.store, { keyId: args.key, now: Date.now() });
      if (args.json) printJson({ keyId: k.keyId, principal: k.principal, status: k.status, revokedAt: k.revokedAt });
      else printLine(`revoked ${k.keyId} (principal ${k.principal}) at ${isoUtc(k.revokedAt!)}`);
    } finally {
      ctx.store.close();
    }
  },
});
