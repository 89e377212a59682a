import type { AuditRow } from '../ports/index.js';
import { sha256Hex } from './canonical.js';

/** The genesis `prev_hash` (SIGNING.md 6.7). */
export const GENESIS_HASH = '0'.repeat(64);

/** The row fields covered by the hash: every column except `hash`. */
export type AuditRowUnhashed = Omit<AuditRow, 'hash'>;

/** The hashed columns, in the order the canonical JSON lists them. */
export const AUDIT_HASH_FIELDS = [
  'at', 'body_sha256', 'detail', 'event', 'key_id', 'method', 'outcome', 'prev_hash', 'principal', 'reason', 'remote', 'seq', 'target',
] as const satisfies readonly (keyof AuditRowUnhashed)[];

/**
 * Canonical JSON of an audit row without `hash`: an object with the 13 columns in ascending key order
 * (at, body_sha256, detail, event, key_id, method, outcome, prev_hash, principal, reason, remote, seq, target),
 * NULL as `null`, integers as JSON numbers, no whitespace (JSON.stringify).
 */
export function auditCanonicalJson(r: AuditRowUnhashed): string {
  // The same text as JSON.stringify of an object with AUDIT_HASH_FIELDS in order (each value serialised by JSON.stringify
  // itself), built without the intermediate object: this runs for every audit row on the request path.
  return (
    '{"at":' + j(r.at) + ',"body_sha256":' + j(r.body_sha256) + ',"detail":' + j(r.detail) + ',"event":' + j(r.event) +
    ',"key_id":' + j(r.key_id) + ',"method":' + j(r.method) + ',"outcome":' + j(r.outcome) + ',"prev_hash":' + j(r.prev_hash) +
    ',"principal":' + j(r.principal) + ',"reason":' + j(r.reason) + ',"remote":' + j(r.remote) + ',"seq":' + j(r.seq) +
    ',"target":' + j(r.target) + '}'
  );
}

/** One value as JSON.stringify writes it inside an object (a missing value is null, as in the stored row). */
function j(v: string | number | null | undefined): string {
  return v === null || v === undefined ? 'null' : JSON.stringify(v);
}

/** `hash = sha256(prev_hash + "\n" + canonical JSON of the row without hash)`, lowercase hex. */
export function auditHash(r: AuditRowUnhashed): string {
  return sha256Hex(r.prev_hash + '\n' + auditCanonicalJson(r));
}

export type ChainCheck =
  | { readonly ok: true; readonly rows: number; readonly lastSeq: number; readonly lastHash: string }
  | { readonly ok: false; readonly rows: number; readonly brokenSeq: number; readonly problem: string };

/**
 * Walks the chain from the genesis: each row's prev_hash must equal the previous row's hash and its
 * hash must equal the recomputed one. Reports the first row where either fails.
 */
export function verifyAuditChain(pages: Iterable<readonly AuditRow[]>): ChainCheck {
  let prev = GENESIS_HASH;
  let prevSeq = 0;
  let rows = 0;
  for (const page of pages) {
    for (const r of page) {
      if (r.prev_hash !== prev) {
        return { ok: false, rows, brokenSeq: r.seq, problem: `prev_hash does not match the hash of row ${prevSeq || '(genesis)'}` };
      }
      const h = auditHash(r);
      if (h !== r.hash) return { ok: false, rows, brokenSeq: r.seq, problem: 'hash does not match the row content (row edited)' };
      prev = r.hash;
      prevSeq = r.seq;
      rows++;
    }
  }
  return { ok: true, rows, lastSeq: prevSeq, lastHash: prev };
}
