import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli, rm, tempDir } from '../helpers/cli.js';

const dir = tempDir('ck-cli-');
afterAll(() => rm(dir));

/** Command words listed in a help screen ("  candlekeep data fetch  …" → "fetch"). */
function listed(help: string, prefix: string): string[] {
  const re = new RegExp(`^\\s+candlekeep ${prefix}([a-z-]+)`, 'gm');
  return [...help.matchAll(re)].map((m) => m[1]!);
}

describe('the candlekeep command line', () => {
  it('suggests the closest command for a typo and exits 1 without a stack trace', () => {
    const r = runCli(['backtset']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('unknown command "backtset" — did you mean "backtest"?');
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it('suggests the closest subcommand', () => {
    const r = runCli(['report', 'lst']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('did you mean "report list"?');
  });

  it('refuses a mistyped flag before the command runs, with a suggestion', () => {
    const home = path.join(dir, 'typo');
    const r = runCli(['data', 'synth', '--instrument', 'synth:X/Y', '--timeframe', '1h', '--bars', '100', '--sed', '3'], { home });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('unknown flag --sed — did you mean --seed?');
    // Nothing was written: the command never ran.
    expect(fs.existsSync(path.join(home, 'market.db'))).toBe(false);
  });

  it('prints help and exits 0 for every command and subcommand', () => {
    const root = runCli(['--help']);
    expect(root.code).toBe(0);
    const top = listed(root.stdout, '');
    expect(top).toEqual(expect.arrayContaining(['data', 'backtest', 'report', 'optimize', 'walkforward', 'serve', 'keys', 'audit', 'paper', 'live', 'exchange']));
    for (const c of top) {
      const h = runCli([c, '--help']);
      expect(h.code, `${c} --help: ${h.stderr}`).toBe(0);
      expect(h.stdout).toContain('--help');
      for (const sub of listed(h.stdout, `${c} `)) {
        const hs = runCli([c, sub, '--help']);
        expect(hs.code, `${c} ${sub} --help: ${hs.stderr}`).toBe(0);
      }
    }
  }, 300_000);

  it('prints its version', () => {
    const r = runCli(['--version']);
    expect(r.code).toBe(0);
    expect(r.stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
  });
});
