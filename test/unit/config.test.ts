import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../config/index.js';
import { ROOT, rm, tempDir } from '../helpers/cli.js';

const dir = tempDir('ck-config-');
afterAll(() => rm(dir));
const write = (name: string, body: string) => {
  const f = path.join(dir, name);
  fs.writeFileSync(f, body);
  return f;
};

describe('configuration', () => {
  it('has defaults for everything when there is no file', () => {
    const c = loadConfig({ home: path.join(dir, 'none'), env: {} });
    expect(c.backtest).toEqual({ cash: 10_000, feeRate: 0.001, resultsDir: 'backtests/results' });
    expect(c.live.recvWindowMs).toBe(5000);
  });
  it('accepts the shipped example config', () => {
    const c = loadConfig({ home: dir, file: path.join(ROOT, 'config/example.config.json'), env: {} });
    expect(c.live.risk.maxDrawdownPct).toBe(0.2);
  });
  it('layers defaults < file < env < overrides', () => {
    const f = write('layers.json', JSON.stringify({ backtest: { cash: 500 }, log: { level: 'warn' } }));
    const c = loadConfig({ home: dir, file: f, env: { CANDLEKEEP_LOG_LEVEL: 'error' }, overrides: { backtest: { feeRate: 0.002 } } });
    expect(c.backtest.cash).toBe(500);
    expect(c.backtest.feeRate).toBe(0.002);
    expect(c.log.level).toBe('error');
  });
  it('names the file and the field of a bad value', () => {
    const f = write('bad.json', JSON.stringify({ live: { recvWindowMs: 90_000 } }));
    expect(() => loadConfig({ home: dir, file: f, env: {} })).toThrow(/bad\.json.*live\.recvWindowMs.*60000/);
  });
  it('refuses a misspelled section instead of ignoring it', () => {
    const f = write('typo.json', JSON.stringify({ backtset: { cash: 1 } }));
    expect(() => loadConfig({ home: dir, file: f, env: {} })).toThrow(/typo\.json.*backtset/);
  });
  it('refuses a file that is not JSON, naming it', () => {
    const f = write('broken.json', '{ "backtest": ');
    expect(() => loadConfig({ home: dir, file: f, env: {} })).toThrow(/broken\.json" is not valid JSON/);
  });
});
