import { describe, expect, it } from 'vitest';
import { formatJson } from '../../engine/reports/index.js';
import { renderTrades, tradesCsv } from '../../engine/reports/trades-csv.js';
import type { ReportTrade } from '../../engine/reports/index.js';

const base: ReportTrade = {
  instrument: 'binance:BTC/USDT', direction: 'long', size: 0.5, entryTime: 1_700_000_000_000, entryPrice: 101.23456789012345,
  exitTime: 1_700_000_360_123, exitPrice: 98.5951251, fees: 0.19755033853999998, pnl: -0.55763867853999, returnFrac: -0.005635263258545805,
  entryOrderId: 'o11', exitOrderId: 'o12', exitReason: 'signal',
};

const odd: ReportTrade = {
  ...base, instrument: 'csv:"Odd", \\ name\u0001', direction: 'short', size: -0, pnl: NaN, returnFrac: Infinity,
  entryOrderId: 'id,with,commas', exitOrderId: 'ümlaut-€', exitReason: 'take-profit',
};

describe('renderTrades', () => {
  it("writes report.json's trades exactly as formatJson writes the objects (key order, null for non-finite, escapes)", () => {
    const trades = [base, odd, base];
    const rendered = renderTrades(trades, '  ').json.toString('utf8');
    const expected = formatJson({ trades: trades.map((t) => ({ ...t })) });
    expect(`{\n  "trades": ${rendered}\n}\n`).toBe(expected);
    expect(renderTrades([], '  ').json.toString('utf8')).toBe('[]');
  });

  it('writes trades.csv with ISO times, empty cells for non-finite numbers and RFC 4180 quoting', () => {
    const csv = tradesCsv([base, odd]).split('\n');
    expect(csv[0]).toBe('instrument,direction,size,entryTime,entryTimeIso,entryPrice,exitTime,exitTimeIso,exitPrice,fees,pnl,returnFrac,durationMs,exitReason,entryOrderId,exitOrderId');
    expect(csv[1]).toBe(
      'binance:BTC/USDT,long,0.5,1700000000000,2023-11-14T22:13:20.000Z,101.23456789012344,1700000360123,2023-11-14T22:19:20.123Z,98.5951251,' +
        '0.19755033853999998,-0.55763867853999,-0.005635263258545805,360123,signal,o11,o12',
    );
    expect(csv[2]).toBe(
      '"csv:""Odd"", \\ name\u0001",short,0,1700000000000,2023-11-14T22:13:20.000Z,101.23456789012344,1700000360123,2023-11-14T22:19:20.123Z,98.5951251,' +
        '0.19755033853999998,,,360123,take-profit,"id,with,commas",ümlaut-€',
    );
    expect(csv[3]).toBe('');
    expect(csv).toHaveLength(4);
  });
});
