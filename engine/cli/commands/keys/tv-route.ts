import { defineCommand } from '../../command.js';
import { UserError } from '../../../domain/index.js';
import { generateTvToken, tvTokenHash, TV_ROUTE_ID_RE } from '../../../gateway/tradingview.js';
import { SYMBOL_RE } from '../../../gateway/order-body.js';
import { printJson, printLine, renderKeyValue, warn } from '../../output.js';
import { openKeys } from './open.js';

export default defineCommand({
  command: 'tv-route',
  describe: 'create or update a TradingView route (POST /v1/tv/<route>) and issue a new token (the two newest stay active)',
  builder: (y) =>
    y
      .option('route', { type: 'string', demandOption: true, describe: 'route id (a-z 0-9 _ -), used in the URL /v1/tv/<route>' })
      .option('symbols', { type: 'string', demandOption: true, describe: 'comma-separated ccxt symbols the route may trade, e.g. BTC/USDT,ETH/USDT' })
      .option('max-notional', { type: 'number', demandOption: true, describe: 'largest order notional (amount × price, quote currency) one alert may create' }),
  handler: (args) => {
    if (!TV_ROUTE_ID_RE.test(args.route)) throw new UserError(`--route: "${args.route}" must be 1-64 chars of a-z 0-9 _ -`);
    const symbols = args.symbols.split(',').map((s) => s.trim()).filter(Boolean);
    for (const s of symbols) if (!SYMBOL_RE.test(s)) throw new UserError(`--symbols: "${s}" is not a ccxt symbol like BTC/USDT`);
    if (symbols.length === 0) throw new UserError('--symbols: name at least one symbol');
    if (!(args.maxNotional > 0)) throw new UserError(`--max-notional: ${args.maxNotional} must be a positive number`);
    const ctx = openKeys(args, { masterKey: false });
    try {
      const now = Date.now();
      const token = generateTvToken();
      ctx.store.transaction(() => {
        const existing = ctx.store.tv.getRoute(args.route);
        ctx.store.tv.upsertRoute({ routeId: args.route, principal: `tv:${args.route}`, symbols, maxNotional: args.maxNotional, status: 'active', createdAt: existing?.createdAt ?? now });
        ctx.store.tv.addToken({ routeId: args.route, tokenSha256: tvTokenHash(token), createdAt: now, status: 'active' });
        ctx.store.audit.append({
          at: now, event: existing ? 'tv.token.created' : 'tv.route.created', outcome: 'ok', principal: `tv:${args.route}`,
          detail: JSON.stringify({ symbols, maxNotional: args.maxNotional }),
        });
      });
      if (args.json) return printJson({ routeId: args.route, token, symbols, maxNotional: args.maxNotional, path: `/v1/tv/${args.route}` });
      printLine(renderKeyValue([['route', `/v1/tv/${args.route}`], ['token', token], ['symbols', symbols.join(',')], ['max notional', args.maxNotional]]));
      warn('The token is shown only this once. Alert message template:');
      warn(`{"token":"${token}","sent":"{{timenow}}","ticker":"{{ticker}}","interval":"{{interval}}","time":"{{time}}","orderId":"{{strategy.order.id}}","action":"{{strategy.order.action}}","contracts":"{{strategy.order.contracts}}","price":"{{strategy.order.price}}"}`);
    } finally {
      ctx.store.close();
    }
  },
});
