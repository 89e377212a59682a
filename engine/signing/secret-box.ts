import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { UserError } from '../domain/index.js';

/**
 * Secrets at rest (SIGNING.md 6.6 / A8): AES-256-GCM with a random 12-byte IV per row and
 * AAD = the row's id (key id, or exchange account id), so swapping ciphertexts between rows fails.
 */
export type Sealed = { readonly ct: Buffer; readonly iv: Buffer; readonly tag: Buffer };

export class SecretBox {
  readonly #kek: Buffer;
  /** A short fingerprint of the master key (not secret), stored beside sealed rows to detect a wrong key early. */
  readonly fingerprint: string;

  constructor(kek: Buffer) {
    if (kek.length !== 32) throw new UserError('the master key must be 32 bytes (base64 of 32 random bytes)');
    this.#kek = Buffer.from(kek);
    this.fingerprint = crypto.createHash('sha256').update('candlekeep-kek-check').update(kek).digest('hex').slice(0, 16);
  }

  seal(plaintext: string, aad: string): Sealed {
    const iv = crypto.randomBytes(12);
    const c = crypto.createCipheriv('aes-256-gcm', this.#kek, iv);
    c.setAAD(Buffer.from(aad, 'utf8'));
    const ct = Buffer.concat([c.update(plaintext, 'utf8'), c.final()]);
    return { ct, iv, tag: c.getAuthTag() };
  }

  /** Throws a UserError when the master key is wrong or the row was tampered with or moved. */
  open(s: Sealed, aad: string): string {
    try {
      const d = crypto.createDecipheriv('aes-256-gcm', this.#kek, s.iv);
      d.setAAD(Buffer.from(aad, 'utf8'));
      d.setAuthTag(s.tag);
      return Buffer.concat([d.update(s.ct), d.final()]).toString('utf8');
    } catch {
      throw new UserError(`cannot decrypt the secret of "${aad}": wrong master key (CANDLEKEEP_MASTER_KEY / master.key) or a tampered row`);
    }
  }

  // Never let the key leak through logging or inspection.
  toJSON(): string {
    return '[SecretBox]';
  }
  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return '[SecretBox]';
  }
}

/**
 * The key-encryption key: CANDLEKEEP_MASTER_KEY (or CK_MASTER_KEY, the name SIGNING.md uses) as base64 of 32 bytes;
 * else a 0600 file (created on first use, with a notice through `onCreate`).
 */
export function loadMasterKey(opts: {
  env: NodeJS.ProcessEnv;
  keyFile: string;
  create: boolean;
  onCreate?: (file: string) => void;
}): SecretBox {
  const fromEnv = opts.env.CANDLEKEEP_MASTER_KEY ?? opts.env.CK_MASTER_KEY;
  if (fromEnv !== undefined) return new SecretBox(decodeKey(fromEnv, 'CANDLEKEEP_MASTER_KEY'));
  if (fs.existsSync(opts.keyFile)) {
    const st = fs.statSync(opts.keyFile);
    if ((st.mode & 0o077) !== 0) {
      throw new UserError(`the master key file "${opts.keyFile}" is readable by others (mode ${(st.mode & 0o777).toString(8)}); run: chmod 600 "${opts.keyFile}"`);
    }
    return new SecretBox(decodeKey(fs.readFileSync(opts.keyFile, 'utf8').trim(), opts.keyFile));
  }
  if (!opts.create) {
    throw new UserError(`no master key: set CANDLEKEEP_MASTER_KEY (base64 of 32 bytes) or create keys first so "${opts.keyFile}" is made`);
  }
  const key = crypto.randomBytes(32);
  fs.mkdirSync(path.dirname(opts.keyFile), { recursive: true });
  fs.writeFileSync(opts.keyFile, key.toString('base64') + '\n', { mode: 0o600, flag: 'wx' });
  opts.onCreate?.(opts.keyFile);
  return new SecretBox(key);
}

function decodeKey(text: string, where: string): Buffer {
  const b = Buffer.from(text.trim(), 'base64');
  if (b.length !== 32) throw new UserError(`${where}: the master key must be base64 of exactly 32 bytes (got ${b.length} bytes)`);
  return b;
}
