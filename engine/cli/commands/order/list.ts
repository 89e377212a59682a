import { defineCommand } from '../../command.js';
import { isoUtc } from '../../../domain/index.js';
import type { IntakeOrderView } from '../../../ports/index.js';
import { printJson, printLine, renderTable } from '../../output.js';
import { connect, connectFlags, failOnError } from './connect.js';

export default defineCommand({
  command: 'list',
  describe: 'list orders of a running gateway (signed GET /v1/orders; needs a read-scoped key)',
  builder: (y) =>
    y
      .options(connectFlags)
      .option('status', { type: 'string', choices: ['accepted', 'open', 'filled', 'canceled', 'rejected', 'unknown'], describe: 'only orders in this status' })
      .option('limit', { type: 'number', default: 100, describe: 'newest N orders (1-1000)' }),
  handler: async (args) => {
    const client = await connect(args);
    try {
      const q = new URLSearchParams({ limit: String(args.limit), ...(args.status ? { status: args.status } : {}) }).toString();
      const r = await client.listOrders(q);
      failOnError(r);
      const orders = (r.body as { orders: IntakeOrderView[] }).orders;
      if (args.json) return printJson(orders);
      printLine(renderTable(orders.map((o) => ({
        'client order id': o.clientOrderId, intent: o.intentId, symbol: o.symbol, side: o.side, type: o.type, amount: o.amount, price: o.price ?? '',
        status: o.status, filled: o.filledAmount, reason: o.reason ?? '', created: isoUtc(o.createdAt),
      }))));
    } finally {
      client.close();
    }
  },
});
