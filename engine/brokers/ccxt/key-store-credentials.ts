import { UserError } from '../../domain/index.js';
import type { ExchangeKeyStore } from '../../../data/store/exchange-keys.js';
import type { CredentialSource } from './exchange-factory.js';

/**
 * Credentials from the encrypted key store. `version()` is one indexed SELECT, checked before every request,
 * so a key added with `keys exchange add` while the bot runs is used from the next request on.
 */
export function keyStoreCredentials(store: ExchangeKeyStore, accountId: string, exchangeId: string): CredentialSource {
  let cached: { version: number; creds: ReturnType<CredentialSource['load']> } | undefined;
  return {
    version: () => store.version(accountId),
    load: () => {
      const v = store.version(accountId);
      if (cached && cached.version === v) return cached.creds;
      const cur = store.current(accountId);
      if (!cur) {
        throw new UserError(`no API key for account "${accountId}"; add one with: candlekeep keys exchange add --exchange ${exchangeId} --account ${accountId}`);
      }
      if (cur.exchange !== exchangeId) throw new UserError(`account "${accountId}" holds a ${cur.exchange} key, not ${exchangeId}`);
      cached = { version: cur.version, creds: cur.creds };
      return cur.creds;
    },
  };
}
