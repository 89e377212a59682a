/**
 * A problem with what the user gave us (a flag, a file, a config value, a missing series).
 * The CLI prints `message` on one line and exits 1, never a stack trace.
 * Anything else that escapes is an internal error (exit 2).
 */
export class UserError extends Error {
  override readonly name = 'UserError';
  constructor(message: string, readonly hint?: string) {
    super(message);
  }
}

/** Levenshtein distance, for "did you mean" suggestions. */
export function editDistance(a: string, b: string): number {
  const m = a.length, n = b.length;
  if (m === 0) return n;
  if (n === 0) return m;
  let prev = new Array<number>(n + 1);
  let cur = new Array<number>(n + 1);
  for (let j = 0; j <= n; j++) prev[j] = j;
  for (let i = 1; i <= m; i++) {
    cur[0] = i;
    for (let j = 1; j <= n; j++) {
      const cost = a.charCodeAt(i - 1) === b.charCodeAt(j - 1) ? 0 : 1;
      cur[j] = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + cost);
    }
    [prev, cur] = [cur, prev];
  }
  return prev[n]!;
}

/** The closest candidate within a small edit distance, or undefined. */
export function suggest(input: string, candidates: Iterable<string>): string | undefined {
  let best: string | undefined;
  let bestD = Infinity;
  for (const c of candidates) {
    const d = editDistance(input.toLowerCase(), c.toLowerCase());
    if (d < bestD) { bestD = d; best = c; }
  }
  const limit = Math.max(2, Math.floor(input.length / 3));
  return bestD <= limit ? best : undefined;
}

/** `unknown strategy "sma-crosss" — did you mean "sma-cross"?` */
export function unknownName(kind: string, input: string, candidates: Iterable<string>): UserError {
  const list = [...candidates];
  const s = suggest(input, list);
  const tail = s ? ` — did you mean "${s}"?` : list.length ? ` (known: ${list.join(', ')})` : '';
  return new UserError(`unknown ${kind} "${input}"${tail}`);
}
