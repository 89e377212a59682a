import { createHmac, timingSafeEqual } from 'node:crypto';
import type { EpochMs } from '../domain/index.js';
import { binanceErrors } from './binance-error.js';

export const DEFAULT_RECV_WINDOW_MS = 5000;
export const MAX_RECV_WINDOW_MS = 60_000;
/** Binance rejects a timestamp more than this far ahead of its own clock. */
export const MAX_AHEAD_MS = 1000;

/** Removes the `signature=` parameter from a raw query string or body, keeping every other byte. */
function withoutSignature(raw: string): { rest: string; signature: string | undefined } {
  if (raw === '') return { rest: '', signature: undefined };
  let signature: string | undefined;
  const kept: string[] = [];
  for (const part of raw.split('&')) {
    if (part.startsWith('signature=')) signature = decodeURIComponent(part.slice('signature='.length));
    else kept.push(part);
  }
  return { rest: kept.join('&'), signature };
}

/**
 * Binance's SIGNED endpoint security, in Binance's order: API key present (-2014) and known (-2015),
 * `timestamp` present (-1102), `recvWindow` ≤ 60000 (-1131), `serverTime − recvWindow ≤ timestamp ≤
 * serverTime + 1000` (-1021), then HMAC-SHA256 over `totalParams` = raw query string (without the
 * signature) concatenated with the raw form body (without the signature) (-1022).
 * Returns the API key that signed the request.
 */
export function verifySigned(args: {
  readonly apiKey: string | undefined;
  readonly secrets: ReadonlyMap<string, string>;
  readonly rawQuery: string;
  readonly rawBody: string;
  readonly params: Readonly<Record<string, string>>;
  readonly serverTime: EpochMs;
}): string {
  const { apiKey, params } = args;
  if (apiKey === undefined || apiKey === '') throw binanceErrors.apiKeyFormat();
  const secret = args.secrets.get(apiKey);
  if (secret === undefined) throw binanceErrors.invalidApiKey();
  const tsRaw = params['timestamp'];
  if (tsRaw === undefined || !/^\d{1,16}$/.test(tsRaw)) throw binanceErrors.mandatory('timestamp');
  const ts = Number(tsRaw);
  let recvWindow = DEFAULT_RECV_WINDOW_MS;
  const rwRaw = params['recvWindow'];
  if (rwRaw !== undefined) {
    if (!/^\d{1,9}$/.test(rwRaw)) throw binanceErrors.illegalChars('recvWindow');
    recvWindow = Number(rwRaw);
    if (recvWindow > MAX_RECV_WINDOW_MS) throw binanceErrors.recvWindowTooLarge();
  }
  if (ts > args.serverTime + MAX_AHEAD_MS) throw binanceErrors.timestampAhead();
  if (args.serverTime - ts > recvWindow) throw binanceErrors.timestampBehind();

  const q = withoutSignature(args.rawQuery);
  const b = withoutSignature(args.rawBody);
  const given = q.signature ?? b.signature;
  if (given === undefined || given === '') throw binanceErrors.mandatory('signature');
  const expected = createHmac('sha256', secret).update(q.rest + b.rest).digest();
  const givenBuf = /^[0-9a-fA-F]{64}$/.test(given) ? Buffer.from(given, 'hex') : Buffer.alloc(0);
  if (givenBuf.length !== expected.length || !timingSafeEqual(givenBuf, expected)) throw binanceErrors.badSignature();
  return apiKey;
}
