/** How often and how patiently a failed exchange call is retried. */
export type RetryPolicy = {
  /** Attempts in total, including the first. */
  readonly maxAttempts: number;
  /** Delay before the 2nd attempt; doubles per attempt (exponential backoff). */
  readonly baseDelayMs: number;
  /** Upper bound of one backoff delay (a server's Retry-After is honoured up to maxRetryAfterMs). */
  readonly maxDelayMs: number;
  readonly maxRetryAfterMs: number;
};

export const DEFAULT_RETRY: RetryPolicy = { maxAttempts: 5, baseDelayMs: 1000, maxDelayMs: 30_000, maxRetryAfterMs: 300_000 };

/** The call kept failing with a retryable error; `last` is the final error. */
export class RetriesExhausted extends Error {
  override readonly name = 'RetriesExhausted';
  constructor(readonly attempts: number, readonly last: Error) {
    super(`gave up after ${attempts} attempts: ${last.message}`);
  }
}

/** The wait was cut short by the abort signal (Ctrl-C). */
export class Aborted extends Error {
  override readonly name = 'Aborted';
  constructor() {
    super('aborted');
  }
}

/** Parses an HTTP Retry-After value (seconds or an HTTP date) into ms from `now`. */
export function parseRetryAfterMs(value: string | undefined, now: number): number | undefined {
  if (value === undefined) return undefined;
  const v = value.trim();
  if (/^\d+(\.\d+)?$/.test(v)) return Math.round(Number(v) * 1000);
  const at = Date.parse(v);
  return Number.isFinite(at) ? Math.max(0, at - now) : undefined;
}

export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(new Aborted());
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(new Aborted());
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/**
 * Runs `op`, retrying retryable failures with exponential backoff (or the server's Retry-After).
 * Non-retryable errors pass through at once; after `maxAttempts` a RetriesExhausted is thrown.
 */
export async function withRetry<T>(
  op: () => Promise<T>,
  opts: {
    readonly policy: RetryPolicy;
    readonly isRetryable: (e: unknown) => boolean;
    /** The Retry-After of the failed response, in ms, when the server sent one. */
    readonly retryAfterMs: () => number | undefined;
    readonly signal?: AbortSignal;
    readonly onRetry?: (info: { attempt: number; delayMs: number; error: Error }) => void;
  },
): Promise<T> {
  const { policy } = opts;
  for (let attempt = 1; ; attempt++) {
    try {
      return await op();
    } catch (e) {
      if (!opts.isRetryable(e)) throw e;
      const err = e instanceof Error ? e : new Error(String(e));
      if (attempt >= policy.maxAttempts) throw new RetriesExhausted(attempt, err);
      const backoff = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1));
      const ra = opts.retryAfterMs();
      const delayMs = ra !== undefined ? Math.min(ra, policy.maxRetryAfterMs) : backoff;
      opts.onRetry?.({ attempt, delayMs, error: err });
      await sleep(delayMs, opts.signal);
    }
  }
}
