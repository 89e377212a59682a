import { z } from '../vendor/zod.js';
import { UserError } from '../domain/index.js';

/**
 * The `gateway` section of config.json (read from the config's passthrough fields).
 * Window bounds are the ones SIGNING.md 6.3 step 4 allows to configure.
 */
export const GatewayConfigSchema = z
  .object({
    port: z.number().int().min(0).max(65535).default(8787),
    host: z.string().default('127.0.0.1'),
    /** Accept a signed request iff now − pastWindowMs ≤ ts ≤ now + futureWindowMs. */
    pastWindowMs: z.number().int().min(1000).max(300_000).default(30_000),
    futureWindowMs: z.number().int().min(0).max(60_000).default(5000),
    /** Per-key request rate (token bucket, burst = one second's worth); 50 in SIGNING.md 6.4. */
    rateLimitPerKeyPerSec: z.number().int().min(1).max(100_000).default(50),
    /** TradingView `sent` (timenow) tolerance either side of the server clock. */
    tvSkewMs: z.number().int().min(1000).max(300_000).default(60_000),
    /**
     * Optional source-address allowlist for `POST /v1/tv/…` (SIGNING.md 6.8): "tradingview" for TradingView's
     * documented webhook addresses, or a list of addresses. Off when absent.
     */
    tvIpAllowlist: z.union([z.literal('tradingview'), z.array(z.string().min(1)).min(1)]).optional(),
    /**
     * Peers (e.g. the TLS-terminating proxy on loopback) whose `X-Forwarded-For` is trusted for the allowlist: the
     * right-most address that header lists is taken as the source. Any other peer is judged by its own address.
     */
    trustedProxies: z.array(z.string().min(1)).default([]),
    /**
     * How a group commit of the security database reaches the disk before its replies go out:
     * - "full" (default; SIGNING.md 6.4 as written): `synchronous=FULL`, COMMIT fsyncs the WAL on the event loop;
     * - "off-thread": `synchronous=NORMAL`, and the WAL's fdatasync runs on the thread pool; replies still wait
     *   for it, so every answered request is as durable as under FULL, with a shorter latency tail under load.
     */
    commitSync: z.enum(['full', 'off-thread']).default('full'),
    /** Rejected-request rows written per (remote, reason, minute) before aggregating. */
    floodRowsPerMinute: z.number().int().min(1).max(100_000).default(100),
    /** Paper book (the order intake `serve` uses until a live broker is plugged in). */
    paper: z
      .object({ cash: z.number().positive().default(10_000), currency: z.string().default('USDT') })
      .strict()
      .default({ cash: 10_000, currency: 'USDT' }),
  })
  .strict();

export type GatewayConfig = z.infer<typeof GatewayConfigSchema>;

export const BODY_LIMIT_BYTES = 64 * 1024;

/** Parses the `gateway` section (unknown or out-of-range values name the field). */
export function parseGatewayConfig(raw: unknown, where = 'config'): GatewayConfig {
  const r = GatewayConfigSchema.safeParse(raw ?? {});
  if (!r.success) {
    const i = r.error.issues[0]!;
    throw new UserError(`${where}: gateway.${i.path.join('.')}: ${i.message}`);
  }
  return r.data;
}
