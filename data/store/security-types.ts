// Port types re-exported for the security store files (type-only).
export type {
  ApiKeyRecord, KeyStore, ScopeSet, NonceStore, IntentStore, StoredIntent, TvStore, TvRoute, TvToken, SecurityStore,
} from '../../engine/ports/index.js';
export type EpochMsLike = number;
