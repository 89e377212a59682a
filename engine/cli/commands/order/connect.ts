// Shared by the `order` subcommands: the signing client from --url/--key-id and a secret from the environment or stdin.
import fs from 'node:fs';
import { UserError } from '../../../domain/index.js';
import { KEY_ID_RE } from '../../../signing/canonical.js';
import { CandlekeepClient } from '../../../client/client.js';

export const connectFlags = {
  url: { type: 'string', default: 'http://127.0.0.1:8787', describe: 'gateway URL (candlekeep serve)' },
  'key-id': { type: 'string', demandOption: true, describe: 'API key id (candlekeep keys create); the secret comes from CANDLEKEEP_API_SECRET or stdin' },
} as const;

export function readSecret(): string {
  const env = process.env.CANDLEKEEP_API_SECRET;
  if (env !== undefined && env.trim() !== '') return env.trim();
  let text = '';
  try {
    text = fs.readFileSync(0, 'utf8');
  } catch {
    text = '';
  }
  const s = text.split(/\r?\n/)[0]?.trim() ?? '';
  if (!s) throw new UserError('no API secret: set CANDLEKEEP_API_SECRET or pipe the secret on stdin');
  if (!s.startsWith('cks_')) throw new UserError('the API secret must start with "cks_" (as printed by candlekeep keys create)');
  return s;
}

export async function connect(args: { url: string; keyId: string }): Promise<CandlekeepClient> {
  if (!KEY_ID_RE.test(args.keyId)) throw new UserError(`--key-id: "${args.keyId}" is not a key id (^[a-z0-9_]{3,64}$)`);
  let client: CandlekeepClient;
  try {
    client = new CandlekeepClient({ url: args.url, keyId: args.keyId, secret: readSecret() });
  } catch (e) {
    if (e instanceof UserError) throw e;
    throw new UserError(`--url: ${(e as Error).message}`);
  }
  try {
    await client.syncTime();
  } catch (e) {
    client.close();
    throw new UserError(`cannot reach the gateway at ${args.url}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message} (is candlekeep serve running?)`);
  }
  return client;
}

/** Turns a non-2xx reply into a one-line UserError. */
export function failOnError(r: { status: number; body: unknown }): void {
  if (r.status >= 200 && r.status < 300) return;
  const b = r.body as { error?: string; reason?: string; message?: string } | null;
  const what = [b?.error, b?.reason, b?.message].filter(Boolean).join(': ');
  throw new UserError(`the gateway answered ${r.status}${what ? ` ${what}` : ''}`);
}
