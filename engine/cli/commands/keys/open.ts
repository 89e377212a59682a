// Shared by the `keys` subcommands: resolves the home folder, the master key and the security store.
import fs from 'node:fs';
import { resolveHome, homePaths } from '../../../../config/index.js';
import { UserError } from '../../../domain/index.js';
import { loadMasterKey, type SecretBox } from '../../../signing/secret-box.js';
import { Keyring } from '../../../signing/keyring.js';
import { openSecurityStore, type SqliteSecurityStore } from '../../../../data/store/security-store.js';
import { warn } from '../../output.js';

export type KeyContext = { store: SqliteSecurityStore; box?: SecretBox; keyring?: Keyring; home: string };

/** Opens the security store; with `masterKey`, also the master key (created on first use) and a checked keyring. */
export function openKeys(args: { home?: string }, opts: { masterKey: boolean; mustExist?: boolean }): KeyContext {
  const home = resolveHome(args.home);
  const paths = homePaths(home);
  if (opts.mustExist && !fs.existsSync(paths.securityDb)) {
    throw new UserError(`no security database at "${paths.securityDb}" yet (create a key first: candlekeep keys create --principal <name> --scopes read,trade)`);
  }
  const store = openSecurityStore(paths.securityDb);
  if (!opts.masterKey) return { store, home };
  try {
    const box = loadMasterKey({
      env: process.env, keyFile: paths.masterKeyFile, create: true,
      onCreate: (f) => warn(`created a new master key in "${f}" (mode 0600); back it up — API key secrets cannot be decrypted without it`),
    });
    const keyring = new Keyring(store, box);
    keyring.checkMasterKey();
    return { store, box, keyring, home };
  } catch (e) {
    store.close();
    throw e;
  }
}
