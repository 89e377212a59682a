import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rm, runCli, tempDir } from '../helpers/cli.js';

let home: string;
let cwd: string;
beforeAll(() => {
  home = tempDir('ck-demo-home-');
  cwd = tempDir('ck-demo-cwd-');
});
afterAll(() => {
  rm(home);
  rm(cwd);
});

describe('candlekeep demo', () => {
  it('generates a synthetic series into an empty store, backtests it and prints the report path', () => {
    const r = runCli(['demo'], { home, cwd });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('The store was empty: generated synth:BTC/USDT 1h (SYNTHETIC, seed 7)');
    expect(r.stdout).toContain('*** SYNTHETIC DATA');
    const html = /^Open the report: (.+report\.html)$/m.exec(r.stdout)![1]!;
    expect(fs.existsSync(html)).toBe(true);
  }, 60_000);

  it('reuses the stored series on the next run and gives the same run', () => {
    const a = runCli(['demo', '--json'], { home, cwd });
    const b = runCli(['demo', '--json'], { home, cwd });
    expect(a.code).toBe(0);
    const ja = JSON.parse(a.stdout) as { generated: boolean; runId: string; synthetic: boolean };
    expect(ja.generated).toBe(false);
    expect(ja.synthetic).toBe(true);
    expect((JSON.parse(b.stdout) as { runId: string }).runId).toBe(ja.runId);
  }, 60_000);
});
