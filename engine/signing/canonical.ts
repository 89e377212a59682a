import crypto from 'node:crypto';

/** SIGNING.md 6.1 header names (Node lower-cases incoming header names). */
export const HEADERS = {
  keyId: 'CK-Key-Id',
  timestamp: 'CK-Timestamp',
  nonce: 'CK-Nonce',
  signature: 'CK-Signature',
} as const;

export const KEY_ID_RE = /^[a-z0-9_]{3,64}$/;
export const TIMESTAMP_RE = /^[0-9]{13}$/;
export const NONCE_RE = /^[A-Za-z0-9_-]{22,64}$/;
export const SIGNATURE_RE = /^v1=[0-9a-f]{64}$/;

/** sha256 of the empty body. */
export const EMPTY_BODY_SHA256 = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';

export type CanonicalParts = {
  readonly keyId: string;
  /** CK-Timestamp exactly as sent (13 digits). */
  readonly timestamp: string;
  readonly nonce: string;
  readonly method: string;
  /** The request-target exactly as on the request line: path + optional "?" + raw query. */
  readonly target: string;
  /** Lowercase hex sha256 of the raw body bytes. */
  readonly bodySha256: string;
};

/** Canonical string v1 (SIGNING.md 6.2): seven lines joined by "\n", no trailing newline. */
export function canonicalString(p: CanonicalParts): string {
  return 'CK1-HMAC-SHA256\n' + p.keyId + '\n' + p.timestamp + '\n' + p.nonce + '\n' + p.method.toUpperCase() + '\n' + p.target + '\n' + p.bodySha256;
}

/** Lowercase hex sha256 (strings as UTF-8). One-shot `crypto.hash` where Node has it (≥ 20.12), else createHash. */
export const sha256Hex: (body: string | Uint8Array) => string =
  typeof crypto.hash === 'function'
    ? (body) => crypto.hash('sha256', body, 'hex')
    : (body) => crypto.createHash('sha256').update(body).digest('hex');

/** hex(HMAC-SHA256(key = UTF-8 bytes of the secret, msg = canonical string)). */
export function hmacHex(secret: string, canonical: string): string {
  return crypto.createHmac('sha256', secret).update(canonical, 'utf8').digest('hex');
}

/** The CK-Signature header value: `v1=` + hmacHex. */
export function signatureHeader(secret: string, p: CanonicalParts): string {
  return 'v1=' + hmacHex(secret, canonicalString(p));
}

/** Issues a secret: `cks_` + base64url(32 random bytes). */
export function generateSecret(): string {
  return 'cks_' + crypto.randomBytes(32).toString('base64url');
}

/** A nonce of 128 random bits, base64url (22 chars). */
export function generateNonce(): string {
  return crypto.randomBytes(16).toString('base64url');
}
