import { canonicalString, generateNonce, sha256Hex, hmacHex, HEADERS, EMPTY_BODY_SHA256 } from '../signing/canonical.js';

export { canonicalString, sha256Hex, EMPTY_BODY_SHA256 };

export type SignInput = {
  readonly keyId: string;
  /** The `cks_…` secret; used as the UTF-8 HMAC key. */
  readonly secret: string;
  readonly method: string;
  /** Request-target exactly as it will be on the request line: path + optional "?" + raw query. */
  readonly target: string;
  /** The exact body bytes that will be sent (a string is encoded as UTF-8). */
  readonly body?: string | Uint8Array;
  /** Unix ms; default Date.now() (pass a server-synced time, see CandlekeepClient). */
  readonly timestamp?: number;
  /** Default: 128 random bits, base64url. */
  readonly nonce?: string;
};

export type SignedHeaders = {
  readonly 'CK-Key-Id': string;
  readonly 'CK-Timestamp': string;
  readonly 'CK-Nonce': string;
  readonly 'CK-Signature': string;
};

/**
 * Signs one request with canonical string v1 (SIGNING.md 6.2) and returns the four CK-* headers.
 * Send exactly `target` and exactly the `body` bytes you passed: the server verifies the raw bytes.
 */
export function signRequest(i: SignInput): SignedHeaders {
  if (!i.target.startsWith('/') || i.target.includes('#')) throw new Error(`target "${i.target}" must be origin-form (start with "/") without a fragment`);
  const timestamp = String(Math.trunc(i.timestamp ?? Date.now()));
  const nonce = i.nonce ?? generateNonce();
  const body = i.body === undefined ? undefined : typeof i.body === 'string' ? Buffer.from(i.body, 'utf8') : i.body;
  const bodySha256 = body === undefined || body.length === 0 ? EMPTY_BODY_SHA256 : sha256Hex(body);
  const canonical = canonicalString({ keyId: i.keyId, timestamp, nonce, method: i.method.toUpperCase(), target: i.target, bodySha256 });
  return {
    [HEADERS.keyId]: i.keyId,
    [HEADERS.timestamp]: timestamp,
    [HEADERS.nonce]: nonce,
    [HEADERS.signature]: 'v1=' + hmacHex(i.secret, canonical),
  } as SignedHeaders;
}
