import type { CcxtExchange, CcxtModule } from './ccxt-types.js';

/** SIGNING.md A5: what a failed createOrder means. */
export type Outcome =
  | { readonly kind: 'resync-resend'; readonly reason: string }
  | { readonly kind: 'rejected'; readonly reason: string }
  | { readonly kind: 'duplicate'; readonly reason: string }
  | { readonly kind: 'throttled'; readonly reason: string; readonly retryAfterMs: number }
  | { readonly kind: 'banned'; readonly reason: string; readonly until: number }
  | { readonly kind: 'unknown'; readonly reason: string };

const DUPLICATE = /Duplicate order sent|"code"\s*:\s*"?(-2010|51016|110072)"?.*[Dd]uplicate|\b51016\b|\b110072\b/;
const BEFORE_ME = /"code"\s*:\s*"?(-1021|50102|10002)\b/;

export function classify(ccxt: CcxtModule, ex: CcxtExchange, err: unknown, now: number): Outcome {
  const msg = err instanceof Error ? err.message : String(err);
  const reason = `${err instanceof Error ? err.constructor.name : 'Error'}: ${msg}`.slice(0, 500);
  if (err instanceof ccxt.DuplicateOrderId || DUPLICATE.test(msg)) return { kind: 'duplicate', reason };
  if (err instanceof ccxt.InvalidNonce || BEFORE_ME.test(msg)) return { kind: 'resync-resend', reason };
  if (err instanceof ccxt.DDoSProtection || err instanceof ccxt.RateLimitExceeded) {
    const banned = /\b418\b|IP banned until|-2015/.test(msg);
    const headers = (ex.last_response_headers ?? {}) as Record<string, string>;
    if (banned) {
      const m = /banned until (\d{13})/.exec(msg);
      const ra = Number(headers['Retry-After']);
      const until = m ? Number(m[1]) : Number.isFinite(ra) && ra > 0 ? now + ra * 1000 : now + 120_000;
      return { kind: 'banned', reason, until };
    }
    const ra = Number(headers['Retry-After']);
    return { kind: 'throttled', reason, retryAfterMs: Number.isFinite(ra) && ra > 0 ? ra * 1000 : 1000 };
  }
  if (err instanceof ccxt.NetworkError) return { kind: 'unknown', reason };
  if (
    err instanceof ccxt.AuthenticationError || err instanceof ccxt.InvalidOrder || err instanceof ccxt.InsufficientFunds ||
    err instanceof ccxt.BadRequest || err instanceof ccxt.BadSymbol || err instanceof ccxt.NotSupported || err instanceof ccxt.ArgumentsRequired
  ) {
    return { kind: 'rejected', reason };
  }
  // OperationFailed, BadResponse, an unmapped ExchangeError, a plain Error thrown mid-request: the order may exist.
  return { kind: 'unknown', reason };
}
