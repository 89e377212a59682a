import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fs from 'node:fs';
import path from 'node:path';
import { homePaths } from '../../config/index.js';
import { writeRunArtifacts, type WrittenRun } from '../../engine/reports/index.js';
import { rm, runCli, tempDir } from '../helpers/cli.js';
import { FILL_ASSUMPTIONS, SPEC, makeOutcome } from '../unit/report-fixture.js';

// Runs are made by calling the report writer directly with hand-made outcomes (no engine needed),
// then inspected through the real CLI (dist/, built by `npm test`).
let home: string;
let a: WrittenRun, b: WrittenRun, c: WrittenRun;

beforeAll(() => {
  home = tempDir('ck-report-cli-');
  const opts = (t: number) => ({ resultsDir: path.join(home, 'results'), marketDb: homePaths(home).marketDb, createdAt: t });
  const write = (o: ReturnType<typeof makeOutcome>, t: number) =>
    writeRunArtifacts({ outcome: o.outcome, spec: SPEC, engineVersion: '0.1.0', fillAssumptions: FILL_ASSUMPTIONS, primaryBars: o.bars }, opts(t));
  a = write(makeOutcome({ params: { fast: 10, slow: 30 } }), Date.UTC(2026, 0, 1));
  // Same data, another parameter: trade 0 dropped, trade 1 exits elsewhere, one trade added.
  b = write(
    makeOutcome({
      params: { fast: 12, slow: 30 },
      editTrades: (ts) => {
        const [, t1, ...rest] = ts;
        const extra = { ...rest[0]!, entryTime: rest[0]!.entryTime + 3_600_000, entryOrderId: 'extra' };
        return [{ ...t1!, exitPrice: t1!.exitPrice + 1, pnl: t1!.pnl + 11 }, ...rest, extra];
      },
    }),
    Date.UTC(2026, 0, 2),
  );
  // Other (synthetic) data.
  c = write(makeOutcome({ params: { fast: 10, slow: 30 }, seed: 7, synthetic: true, hash: 'sha256:' + 'cd'.repeat(32) }), Date.UTC(2026, 0, 3));
});
afterAll(() => rm(home));

describe('candlekeep report list', () => {
  it('lists the runs newest first', () => {
    const r = runCli(['report', 'list'], { home });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const lines = r.stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^run\s+created\s+kind\s+strategy\s+params\s+data\s+return %\s+sharpe\s+max dd %\s+trades$/);
    expect(lines.slice(2).map((l) => l.split(/\s+/)[0])).toEqual([c.runId, b.runId, a.runId]);
    expect(r.stdout).toContain('binance:BTC/USDT 1h (synthetic)');
  });

  it('prints the index rows as JSON with --json', () => {
    const r = runCli(['report', 'list', '--json'], { home });
    expect(r.code).toBe(0);
    const rows = JSON.parse(r.stdout) as { runId: string; kind: string; params: object; metrics: { tradeCount: number } }[];
    expect(rows.map((x) => x.runId)).toEqual([c.runId, b.runId, a.runId]);
    expect(rows[2]).toMatchObject({ kind: 'backtest', params: { fast: 10, slow: 30 }, metrics: { tradeCount: 10 } });
  });

  it('limits the list and refuses a bad --limit', () => {
    const r = runCli(['report', 'list', '--limit', '1', '--json'], { home });
    expect((JSON.parse(r.stdout) as { runId: string }[]).map((x) => x.runId)).toEqual([c.runId]);
    const bad = runCli(['report', 'list', '--limit', '0'], { home });
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('--limit: "0" is not a whole number ≥ 1');
  });

  it('says so when there are no runs', () => {
    const empty = tempDir('ck-report-empty-');
    try {
      const r = runCli(['report', 'list'], { home: empty });
      expect(r.code).toBe(0);
      expect(r.stdout).toContain('no runs yet');
      expect(JSON.parse(runCli(['report', 'list', '--json'], { home: empty }).stdout)).toEqual([]);
      const show = runCli(['report', 'show', 'latest'], { home: empty });
      expect(show.code).toBe(1);
      expect(show.stderr).toContain('there are no runs yet');
      expect(fs.existsSync(homePaths(empty).marketDb)).toBe(false); // reading never creates the database
    } finally {
      rm(empty);
    }
  });
});

describe('candlekeep report show', () => {
  it('prints the summary table of a run given by id prefix', () => {
    const r = runCli(['report', 'show', a.runId.slice(0, 14)], { home });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`Run  `);
    expect(r.stdout).toContain(a.runId);
    expect(r.stdout).toContain(path.join(a.dir, 'report.html'));
    expect(r.stdout).toMatch(/# Trades\s+10\n/);
  });

  it('prints the exact report.json with --json', () => {
    const r = runCli(['report', 'show', a.runId, '--json'], { home });
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(fs.readFileSync(a.reportJson, 'utf8'));
    expect(JSON.parse(r.stdout).metrics.tradeCount).toBe(10);
  });

  it('labels a synthetic run', () => {
    expect(runCli(['report', 'show', 'latest'], { home }).stdout).toMatch(/^\*\*\* SYNTHETIC DATA/);
  });

  it('suggests the closest run for an unknown id and exits 1', () => {
    const typo = a.runId.slice(0, -1) + (a.runId.endsWith('0') ? '1' : '0');
    const r = runCli(['report', 'show', typo], { home });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`unknown run "${typo}" — did you mean "`);
    expect(r.stderr).not.toContain('    at ');
  });

  it('says where the report was expected when its folder was deleted', () => {
    const h = tempDir('ck-report-gone-');
    try {
      const o = makeOutcome();
      const w = writeRunArtifacts(
        { outcome: o.outcome, spec: SPEC, engineVersion: '0.1.0', fillAssumptions: FILL_ASSUMPTIONS },
        { resultsDir: path.join(h, 'results'), marketDb: homePaths(h).marketDb },
      );
      rm(w.dir);
      const r = runCli(['report', 'show', w.runId], { home: h });
      expect(r.code).toBe(1);
      expect(r.stderr).toContain(`the report "${w.reportJson}" is missing`);
    } finally {
      rm(h);
    }
  });
});

describe('candlekeep report compare', () => {
  it('shows metrics side by side with deltas, parameter differences and differing trades', () => {
    const r = runCli(['report', 'compare', a.runId, b.runId], { home });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^Metric\s+A\s+B\s+Δ B−A$/m);
    expect(r.stdout).toMatch(/^# Trades\s+10\s+10\s+0$/m);
    expect(r.stdout).toContain('Parameter differences:');
    expect(r.stdout).toMatch(/^fast\s+10\s+12$/m);
    expect(r.stdout).toContain('Data: identical');
    expect(r.stdout).toContain('Trades A vs B: 8 identical, 1 differing, 1 only in A, 1 only in B');
  });

  it('reports everything as JSON with --json', () => {
    const r = runCli(['report', 'compare', a.runId, b.runId, c.runId, '--json'], { home });
    expect(r.code).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(j.runs.map((x: { runId: string }) => x.runId)).toEqual([a.runId, b.runId, c.runId]);
    const eqFinal = j.metrics.find((m: { key: string }) => m.key === 'equityFinal');
    expect(eqFinal.values).toEqual([a.report.metrics.equityFinal, b.report.metrics.equityFinal, c.report.metrics.equityFinal]);
    expect(eqFinal.deltas[0]).toBeNull();
    expect(eqFinal.deltas[2]).toBeCloseTo(c.report.metrics.equityFinal - a.report.metrics.equityFinal, 9);
    expect(j.paramDifferences).toEqual([{ name: 'fast', values: [10, 12, 10] }]);
    expect(j.dataDifferences).toEqual([
      expect.objectContaining({ series: 'binance:BTC/USDT 1h', hashes: ['sha256:' + 'ab'.repeat(32), 'sha256:' + 'ab'.repeat(32), 'sha256:' + 'cd'.repeat(32)] }),
    ]);
    const ab = j.trades[0];
    expect(ab.matched).toBe(8);
    expect(ab.onlyInA.map((t: { entryOrderId: string }) => t.entryOrderId)).toEqual(['A4-0-e']);
    expect(ab.onlyInB.map((t: { entryOrderId: string }) => t.entryOrderId)).toEqual(['extra']);
    expect(ab.differing).toHaveLength(1);
    expect(Object.keys(ab.differing[0].fields).sort()).toEqual(['exitPrice', 'pnl']);
    expect(ab.differing[0].fields.pnl[1] - ab.differing[0].fields.pnl[0]).toBeCloseTo(11, 9);
  });

  it('needs at least two runs', () => {
    const r = runCli(['report', 'compare', a.runId], { home });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('name at least two runs');
  });

  it('refuses an unknown run with a one-line error', () => {
    const r = runCli(['report', 'compare', a.runId, 'nope-123'], { home });
    expect(r.code).toBe(1);
    expect(r.stderr.trim().split('\n')[0]).toMatch(/^candlekeep: unknown run "nope-123"/);
  });
});
