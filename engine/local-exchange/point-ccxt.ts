/** The parts of a ccxt exchange instance that pointCcxtAt touches (structural, so ccxt stays a lazy import). */
export type CcxtLike = {
  urls: { api?: unknown; [k: string]: unknown };
  options: Record<string, unknown>;
};

function rewrite(node: unknown, base: string): unknown {
  if (typeof node === 'string') {
    // Keep the path (`/api/v3`, `/fapi/v1`, `/sapi/v1`) and replace scheme + host with the loopback base.
    const m = /^[a-z]+:\/\/[^/]+(\/.*)?$/i.exec(node);
    return m ? base + (m[1] ?? '') : node;
  }
  if (node !== null && typeof node === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(node as Record<string, unknown>)) out[k] = rewrite(v, base);
    return out;
  }
  return node;
}

/**
 * Points a ccxt `binance` instance at a local exchange: every entry of `urls.api` (a nested object of
 * strings) gets the loopback base in place of its scheme and host, keeping its path. Also loads only
 * spot markets and skips the margin-pair calls (`options.fetchMarkets.types = ['spot']`,
 * `fetchMargins: false`, `defaultType: 'spot'`), which the local exchange does not have.
 */
export function pointCcxtAt<E extends CcxtLike>(exchange: E, baseUrl: string): E {
  const base = baseUrl.replace(/\/+$/, '');
  exchange.urls.api = rewrite(exchange.urls.api, base);
  exchange.options['fetchMarkets'] = { ...(exchange.options['fetchMarkets'] as object | undefined), types: ['spot'] };
  exchange.options['fetchMargins'] = false;
  exchange.options['defaultType'] = 'spot';
  return exchange;
}
