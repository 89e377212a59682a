import type { JsonValue } from './report-schema.js';

/**
 * Deterministic, readable JSON: objects indented by two spaces in their own key order, arrays of
 * plain values on one line, arrays of objects one compact object per line. Non-finite numbers become
 * null and −0 becomes 0, so the same value always gives the same bytes.
 */
export function formatJson(value: unknown): string {
  const out: string[] = [];
  write(value, '', out);
  out.push('\n');
  return out.join('');
}

/** A value whose JSON text is already written (formatJson copies `text` as it is). */
export class RawJson {
  constructor(readonly text: string) {}
}

function write(v: unknown, indent: string, out: string[]): void {
  if (v === null || v === undefined) { out.push('null'); return; }
  switch (typeof v) {
    case 'number': out.push(numberText(v)); return;
    case 'string': out.push(JSON.stringify(v)); return;
    case 'boolean': out.push(v ? 'true' : 'false'); return;
    case 'object': break;
    default: throw new Error(`formatJson: cannot serialise a ${typeof v}`);
  }
  if (v instanceof RawJson) {
    out.push(v.text);
    return;
  }
  if (Array.isArray(v) || ArrayBuffer.isView(v)) {
    const arr = v as ArrayLike<unknown>;
    if (arr.length === 0) { out.push('[]'); return; }
    let allPlain = true;
    for (let i = 0; i < arr.length; i++) if (arr[i] !== null && typeof arr[i] === 'object') { allPlain = false; break; }
    if (allPlain) {
      // Same bytes as writing each value (non-finite → null, −0 → 0), one native call.
      out.push(JSON.stringify(Array.isArray(arr) ? arr : Array.from(arr)));
      return;
    }
    const inner = indent + '  ';
    out.push('[\n');
    for (let i = 0; i < arr.length; i++) {
      out.push(inner);
      out.push(compact(arr[i]));
      out.push(i < arr.length - 1 ? ',\n' : '\n');
    }
    out.push(indent, ']');
    return;
  }
  const entries = Object.entries(v as Record<string, unknown>).filter(([, x]) => x !== undefined);
  if (entries.length === 0) { out.push('{}'); return; }
  const inner = indent + '  ';
  out.push('{\n');
  entries.forEach(([k, x], i) => {
    out.push(inner, JSON.stringify(k), ': ');
    write(x, inner, out);
    out.push(i < entries.length - 1 ? ',\n' : '\n');
  });
  out.push(indent, '}');
}

/** JSON.stringify already writes non-finite numbers as null and −0 as 0. */
function compact(v: unknown): string {
  return JSON.stringify(v) ?? 'null';
}

function numberText(x: number): string {
  if (!Number.isFinite(x)) return 'null';
  if (Object.is(x, -0)) return '0';
  return JSON.stringify(x);
}

/** A copy with the keys of every nested plain object sorted (for user-supplied objects). */
export function sortKeysDeep(v: unknown): JsonValue {
  if (v === null || typeof v !== 'object') return (v === undefined ? null : v) as JsonValue;
  if (Array.isArray(v)) return v.map(sortKeysDeep);
  const out: Record<string, JsonValue> = {};
  for (const k of Object.keys(v).sort()) {
    const x = (v as Record<string, unknown>)[k];
    if (x !== undefined) out[k] = sortKeysDeep(x);
  }
  return out;
}
