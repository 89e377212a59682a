import crypto from 'node:crypto';
import { UserError, type EpochMs } from '../domain/index.js';
import type { ApiKeyRecord, ScopeSet, SecurityStore, Scope } from '../ports/index.js';
import type { SecretBox } from './secret-box.js';
import { generateSecret, KEY_ID_RE } from './canonical.js';

export const MAX_ACTIVE_KEYS_PER_PRINCIPAL = 3;
export const DEFAULT_KEY_LIFETIME_MS = 365 * 86_400_000;
export const EXPIRY_WARNING_MS = 14 * 86_400_000;
export const PRINCIPAL_RE = /^[a-z0-9][a-z0-9_.-]{0,63}$/;

/** Parses `read`, `trade`, `read,trade` (any order, no duplicates) into the stored form. */
export function parseScopes(s: string, field = '--scopes'): ScopeSet {
  const parts = s.split(',').map((x) => x.trim()).filter(Boolean);
  const set = new Set(parts);
  for (const p of parts) if (p !== 'read' && p !== 'trade') throw new UserError(`${field}: unknown scope "${p}" (scopes: read, trade)`);
  if (set.size === 0 || set.size !== parts.length) throw new UserError(`${field}: "${s}" must list read and/or trade once each, e.g. read,trade`);
  return set.size === 2 ? 'read,trade' : (parts[0] as ScopeSet);
}

export function hasScope(set: ScopeSet, scope: Scope): boolean {
  return set === 'read,trade' || set === scope;
}

export type KeyValidity = 'valid' | 'revoked_key' | 'expired_key' | 'not_yet_valid_key';

/** A key is valid iff status='active' AND not_before ≤ now AND (expires_at IS NULL OR now < expires_at). */
export function keyValidity(k: ApiKeyRecord, now: EpochMs): KeyValidity {
  if (k.status !== 'active') return 'revoked_key';
  if (now < k.notBefore) return 'not_yet_valid_key';
  if (k.expiresAt !== null && now >= k.expiresAt) return 'expired_key';
  return 'valid';
}

export type IssuedKey = {
  readonly keyId: string;
  readonly secret: string;
  readonly principal: string;
  readonly scopes: ScopeSet;
  readonly createdAt: EpochMs;
  readonly notBefore: EpochMs;
  readonly expiresAt: EpochMs | null;
  readonly replacesKeyId: string | null;
};

/** Key administration (CLI-only; never exposed over HTTP). Every change is audited in the same transaction. */
export class Keyring {
  constructor(
    private readonly store: SecurityStore,
    private readonly box: SecretBox,
  ) {}

  /** Fails with a clear message if the master key does not match the one that sealed the stored secrets. */
  checkMasterKey(): void {
    const fp = this.store.kekFingerprint();
    if (fp !== undefined && fp !== this.box.fingerprint) {
      throw new UserError(
        `wrong master key for "${this.store.file}": the stored API keys were encrypted with another key ` +
          `(fingerprint ${fp}, given ${this.box.fingerprint}); set CANDLEKEEP_MASTER_KEY or the master.key file to the original`,
      );
    }
    for (const k of this.store.keys.list()) this.box.open(k.sealed, k.keyId);
  }

  create(opts: {
    principal: string; scopes: ScopeSet; now: EpochMs; lifetimeMs?: number | null; keyId?: string; replacesKeyId?: string | null; secret?: string;
    notBefore?: EpochMs;
  }): IssuedKey {
    if (!PRINCIPAL_RE.test(opts.principal)) {
      throw new UserError(`--principal: "${opts.principal}" must be 1-64 chars of a-z 0-9 _ . - starting with a letter or digit`);
    }
    const keyId = opts.keyId ?? `ck_${crypto.randomBytes(8).toString('hex')}`;
    if (!KEY_ID_RE.test(keyId)) throw new UserError(`key id "${keyId}" must match ^[a-z0-9_]{3,64}$`);
    const secret = opts.secret ?? generateSecret();
    const lifetime = opts.lifetimeMs === undefined ? DEFAULT_KEY_LIFETIME_MS : opts.lifetimeMs;
    const rec: ApiKeyRecord = {
      keyId, principal: opts.principal, sealed: this.box.seal(secret, keyId), scopes: opts.scopes, status: 'active',
      createdAt: opts.now, notBefore: opts.notBefore ?? opts.now, expiresAt: lifetime === null ? null : opts.now + lifetime,
      revokedAt: null, lastUsedAt: null, replacesKeyId: opts.replacesKeyId ?? null,
    };
    this.store.transaction(() => {
      this.checkFingerprintForWrite();
      if (this.store.keys.get(keyId)) throw new UserError(`key "${keyId}" already exists`);
      // The key being replaced still counts until its overlap ends, so a rotation needs a free slot too.
      const active = this.store.keys.countValid(opts.principal, opts.now);
      if (active >= MAX_ACTIVE_KEYS_PER_PRINCIPAL) {
        throw new UserError(
          `principal "${opts.principal}" already has ${active} active keys (at most ${MAX_ACTIVE_KEYS_PER_PRINCIPAL}); revoke one first (candlekeep keys revoke --key <id>)`,
        );
      }
      this.store.keys.insert(rec);
      this.store.audit.append({
        at: opts.now, event: 'key.created', outcome: 'ok', principal: opts.principal, keyId,
        detail: JSON.stringify({ scopes: opts.scopes, expiresAt: rec.expiresAt, replaces: rec.replacesKeyId }),
      });
    });
    return { keyId, secret, principal: rec.principal, scopes: rec.scopes, createdAt: rec.createdAt, notBefore: rec.notBefore, expiresAt: rec.expiresAt, replacesKeyId: rec.replacesKeyId };
  }

  /** 6.5 rotation: a new key (same principal and scopes) replacing `old`, and old.expires_at = now + overlap. */
  rotate(opts: { keyId: string; overlapMs: number; now: EpochMs; lifetimeMs?: number | null }): { issued: IssuedKey; oldExpiresAt: EpochMs } {
    return this.store.transaction(() => {
      const old = this.requireKey(opts.keyId);
      const v = keyValidity(old, opts.now);
      if (v !== 'valid') throw new UserError(`key "${old.keyId}" cannot be rotated: it is ${v.replace('_key', '').replaceAll('_', ' ')}`);
      const issued = this.create({ principal: old.principal, scopes: old.scopes, now: opts.now, lifetimeMs: opts.lifetimeMs, replacesKeyId: old.keyId });
      const oldExpiresAt = Math.min(opts.now + opts.overlapMs, old.expiresAt ?? Infinity);
      this.store.keys.setExpiresAt(old.keyId, oldExpiresAt);
      this.store.audit.append({
        at: opts.now, event: 'key.rotated', outcome: 'ok', principal: old.principal, keyId: old.keyId,
        detail: JSON.stringify({ newKeyId: issued.keyId, oldExpiresAt }),
      });
      return { issued, oldExpiresAt };
    });
  }

  revoke(opts: { keyId: string; now: EpochMs }): ApiKeyRecord {
    return revokeKey(this.store, opts);
  }

  list(): ApiKeyRecord[] {
    return this.store.keys.list();
  }

  private requireKey(keyId: string): ApiKeyRecord {
    const k = this.store.keys.get(keyId);
    if (!k) {
      const ids = this.store.keys.list().map((x) => x.keyId);
      throw new UserError(`unknown key "${keyId}"${ids.length ? ` (keys: ${ids.join(', ')})` : ' (no keys yet: candlekeep keys create)'}`);
    }
    return k;
  }

  private checkFingerprintForWrite(): void {
    const fp = this.store.kekFingerprint();
    if (fp === undefined) this.store.setKekFingerprint(this.box.fingerprint);
    else if (fp !== this.box.fingerprint) this.checkMasterKey();
  }
}

/** The status a listing shows: active, expiring (≤ 14 d left), expired, revoked, pending (not yet valid). */
export function keyStatusLabel(k: ApiKeyRecord, now: EpochMs): 'active' | 'expiring' | 'expired' | 'revoked' | 'pending' {
  const v = keyValidity(k, now);
  if (v === 'revoked_key') return 'revoked';
  if (v === 'expired_key') return 'expired';
  if (v === 'not_yet_valid_key') return 'pending';
  return k.expiresAt !== null && k.expiresAt - now <= EXPIRY_WARNING_MS ? 'expiring' : 'active';
}

/** Revokes at once (no master key needed): status=revoked, revoked_at=now, audited as key.revoked. */
export function revokeKey(store: SecurityStore, opts: { keyId: string; now: EpochMs }): ApiKeyRecord {
  return store.transaction(() => {
    const k = store.keys.get(opts.keyId);
    if (!k) {
      const ids = store.keys.list().map((x) => x.keyId);
      throw new UserError(`unknown key "${opts.keyId}"${ids.length ? ` (keys: ${ids.join(', ')})` : ''}`);
    }
    if (k.status === 'revoked') throw new UserError(`key "${k.keyId}" is already revoked`);
    store.keys.revoke(k.keyId, opts.now);
    store.audit.append({ at: opts.now, event: 'key.revoked', outcome: 'ok', principal: k.principal, keyId: k.keyId });
    return store.keys.get(k.keyId)!;
  });
}
