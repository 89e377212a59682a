import { spawnSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root: the nearest folder above this file with package.json (works from test/ and from dist/test/). */
export const ROOT = (() => {
  let d = path.dirname(fileURLToPath(import.meta.url));
  while (!fs.existsSync(path.join(d, 'package.json')) && path.dirname(d) !== d) d = path.dirname(d);
  return d;
})();
export const SHARED = path.resolve(ROOT, '../shared');
export const BIN = path.join(ROOT, 'bin/candlekeep.js');

export type CliResult = { code: number; stdout: string; stderr: string };

/**
 * Runs the real CLI (`node bin/candlekeep.js`, compiled dist/) in a child process.
 * Requires `npm run build` (npm test does it first).
 */
export function runCli(args: readonly string[], opts: { home?: string; env?: Record<string, string>; input?: string; cwd?: string } = {}): CliResult {
  const full = opts.home ? ['--home', opts.home, ...args] : [...args];
  const r = spawnSync(process.execPath, [BIN, ...full], {
    cwd: opts.cwd ?? ROOT,
    env: { ...process.env, CANDLEKEEP_HOME: '', ...opts.env },
    input: opts.input ?? '',
    encoding: 'utf8',
    timeout: 120_000,
    maxBuffer: 512 * 1024 * 1024,
  });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

/** Starts the CLI without waiting (servers, live sessions). */
export function spawnCli(args: readonly string[], opts: { home?: string; env?: Record<string, string> } = {}) {
  const full = opts.home ? ['--home', opts.home, ...args] : [...args];
  return spawn(process.execPath, [BIN, ...full], { cwd: ROOT, env: { ...process.env, CANDLEKEEP_HOME: '', ...opts.env } });
}

/** A fresh temporary folder, removed by the caller's afterAll/afterEach via `rm`. */
export function tempDir(prefix = 'ck-'): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

export function rm(dir: string): void {
  fs.rmSync(dir, { recursive: true, force: true });
}
