/**
 * Fault injection: the next N requests matching (method, path) get one of these instead of a normal
 * answer. "accept…"/"store…" kinds process the request first (the order IS stored), the others do not.
 */
export type Fault =
  /** Process the request (store the order), then close the connection without any response. */
  | { readonly kind: 'acceptThenDrop' }
  /** Process the request, then hold the response for `delayMs` (past the client's timeout). */
  | { readonly kind: 'acceptThenDelay'; readonly delayMs: number }
  /** Process the request, then answer HTTP 500 with a non-JSON body. */
  | { readonly kind: 'storeThen500' }
  /** Process the request, then answer 503 -1007 "Timeout waiting for response from backend server…" (status unknown). */
  | { readonly kind: 'storeThen1007' }
  /** Do not process; answer 429, -1003, with `Retry-After: retryAfterSec`. */
  | { readonly kind: 'rateLimit'; readonly retryAfterSec: number }
  /** Do not process; ban the client: every request for `periodMs` gets 418, -1003 "IP banned until <ms>". */
  | { readonly kind: 'ban'; readonly periodMs: number }
  /** Do not process; read the request and close the connection without a response (nothing stored). */
  | { readonly kind: 'dropUnprocessed' }
  /** Do not process; reset the connection (TCP RST) as soon as the request head arrives. */
  | { readonly kind: 'reset' }
  /** Do not process; answer -1021 as if the client's clock were outside the recvWindow. */
  | { readonly kind: 'timestampRejected' };

export type FaultKind = Fault['kind'];

export const FAULT_KINDS: readonly FaultKind[] = [
  'acceptThenDrop', 'acceptThenDelay', 'storeThen500', 'storeThen1007', 'rateLimit', 'ban', 'dropUnprocessed', 'reset', 'timestampRejected',
];

/** Which requests a fault applies to. Omitted fields match anything. */
export type FaultMatch = { readonly method?: string; readonly path?: string };

export type FaultSpec = FaultMatch & {
  readonly fault: Fault;
  /** How many matching requests get the fault (default 1). */
  readonly times?: number;
};

type Armed = { readonly id: number; readonly match: FaultMatch; readonly fault: Fault; remaining: number };

/** Armed faults, consumed in the order they were added. */
export class FaultInjector {
  private armed: Armed[] = [];
  private nextId = 1;

  add(spec: FaultSpec): number {
    const times = spec.times ?? 1;
    if (!Number.isInteger(times) || times < 1) throw new RangeError(`fault times must be an integer >= 1, got ${times}`);
    validateFault(spec.fault);
    const id = this.nextId++;
    this.armed.push({ id, match: { method: spec.method?.toUpperCase(), path: spec.path }, fault: spec.fault, remaining: times });
    return id;
  }

  /** Takes the first armed fault matching this request (decrementing its count), if any. */
  take(method: string, path: string): Fault | undefined {
    for (const a of this.armed) {
      if (a.match.method !== undefined && a.match.method !== method) continue;
      if (a.match.path !== undefined && a.match.path !== path) continue;
      a.remaining--;
      if (a.remaining <= 0) this.armed = this.armed.filter((x) => x !== a);
      return a.fault;
    }
    return undefined;
  }

  clear(): void {
    this.armed = [];
  }

  pending(): { id: number; method?: string; path?: string; fault: Fault; remaining: number }[] {
    return this.armed.map((a) => ({ id: a.id, ...a.match, fault: a.fault, remaining: a.remaining }));
  }
}

/** Checks a fault object from outside (admin HTTP body); throws with a message naming the field. */
export function validateFault(f: unknown): asserts f is Fault {
  if (typeof f !== 'object' || f === null) throw new TypeError('fault: expected an object with a "kind"');
  const o = f as Record<string, unknown>;
  const kind = o['kind'];
  if (typeof kind !== 'string' || !(FAULT_KINDS as readonly string[]).includes(kind)) {
    throw new TypeError(`fault.kind: "${String(kind)}" is not one of ${FAULT_KINDS.join(', ')}`);
  }
  const num = (field: string) => {
    const v = o[field];
    if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) throw new TypeError(`fault.${field}: expected a number >= 0, got ${JSON.stringify(v)}`);
  };
  if (kind === 'acceptThenDelay') num('delayMs');
  if (kind === 'rateLimit') num('retryAfterSec');
  if (kind === 'ban') num('periodMs');
}
