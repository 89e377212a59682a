import { UserError } from '../domain/index.js';

/**
 * `--param fast=10 --param size=all-in` → { fast: '10', size: 'all-in' }. Values stay text: the strategy's
 * param declarations type and bound-check them (resolveParams), so every command parses params the same way.
 */
export function parseParamFlags(list: readonly string[] | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const p of list ?? []) {
    const m = /^\s*([A-Za-z_][A-Za-z0-9_]*)\s*=(.*)$/.exec(p);
    if (!m) throw new UserError(`--param "${p}": use name=value, e.g. --param fast=10`);
    out[m[1]!] = m[2]!;
  }
  return out;
}
