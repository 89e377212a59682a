/**
 * SIGNING.md A8: secrets never reach a log line. Covers the field names `secret`, `password`, `apiKey`,
 * `X-MBX-APIKEY`, `API-Sign`, `OK-ACCESS-SIGN`, `Authorization` (any case), `signature=` query parameters
 * inside strings, and any string registered with `registerSecret` wherever it appears.
 */
const SECRET_FIELDS = new Set(
  ['secret', 'password', 'apikey', 'api_key', 'x-mbx-apikey', 'api-sign', 'api-key', 'ok-access-sign', 'ok-access-key',
    'ok-access-passphrase', 'authorization', 'signature', 'privatekey', 'token', 'x-bapi-sign', 'x-bapi-api-key', 'ck-signature'],
);
const known = new Set<string>();
export const REDACTED = '[REDACTED]';

/** Makes every later log line replace this exact string (a loaded API key or secret). */
export function registerSecret(s: string | undefined): void {
  if (s && s.length >= 6) known.add(s);
}

export function redactString(s: string): string {
  let out = s
    .replace(/(signature=)[^&\s"']+/gi, `$1${REDACTED}`)
    .replace(/((?:X-MBX-APIKEY|API-Sign|API-Key|OK-ACCESS-SIGN|OK-ACCESS-KEY|Authorization|X-BAPI-SIGN|CK-Signature)["']?\s*[:=]\s*["']?)[^"',}\s]+/gi, `$1${REDACTED}`);
  for (const k of known) if (out.includes(k)) out = out.split(k).join(REDACTED);
  return out;
}

/** A redacted deep copy (cycles cut, depth-limited) of anything about to be logged. */
export function redact(value: unknown, depth = 0, seen = new WeakSet<object>()): unknown {
  if (typeof value === 'string') return redactString(value);
  if (value === null || typeof value !== 'object') return value;
  if (depth > 8 || seen.has(value)) return '[…]';
  seen.add(value);
  if (value instanceof Error) {
    return { type: value.name, message: redactString(value.message) };
  }
  if (Array.isArray(value)) return value.map((v) => redact(v, depth + 1, seen));
  if (Buffer.isBuffer(value)) return `[${value.length} bytes]`;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
    out[k] = SECRET_FIELDS.has(k.toLowerCase()) && v !== undefined && v !== null && v !== '' ? REDACTED : redact(v, depth + 1, seen);
  }
  return out;
}
