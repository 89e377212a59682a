import { UserError, unknownName } from '../domain/index.js';
import { check, parseParamText, type ParamDecls, type ParamValue } from '../api/params.js';
import type { Constraint } from './constraint.js';
import { seededRng } from '../stats/random.js';

/** One dimension of a search: the values to try for one param. */
export type Axis = { readonly name: string; readonly values: readonly ParamValue[] };
export type ParamSet = Readonly<Record<string, ParamValue>>;

/**
 * Parses `--grid` specs against the strategy's declared params:
 * `fast=5:50:5` (inclusive range with step), `fast=5:50` (step from the declaration, else 1 for ints),
 * `size=all-in,1,2` (a list). Every value is validated against the declaration's type and bounds.
 */
export function parseGrid(specs: readonly string[], decls: ParamDecls): Axis[] {
  const seen = new Set<string>();
  return specs.map((spec) => {
    const m = /^([A-Za-z_][A-Za-z0-9_]*)=(.+)$/.exec(spec.trim());
    if (!m) throw new UserError(`--grid "${spec}": use name=start:stop:step or name=a,b,c`);
    const name = m[1]!, body = m[2]!;
    const decl = decls[name];
    if (!decl) throw unknownName('param', name, Object.keys(decls));
    if (seen.has(name)) throw new UserError(`--grid: param "${name}" is given twice`);
    seen.add(name);
    let values: ParamValue[];
    const range = /^(-?[\d.e+-]+):(-?[\d.e+-]+)(?::(-?[\d.e+-]+))?$/.exec(body);
    if (range && (decl.kind === 'int' || decl.kind === 'float' || (decl.kind === 'choice' && decl.orNumber))) {
      const start = Number(range[1]), stop = Number(range[2]);
      const step = range[3] !== undefined ? Number(range[3]) : decl.step ?? (decl.kind === 'int' ? 1 : NaN);
      if (![start, stop, step].every(Number.isFinite) || step <= 0) throw new UserError(`--grid "${spec}": start, stop and a positive step are needed`);
      if (stop < start) throw new UserError(`--grid "${spec}": stop ${stop} is below start ${start}`);
      const n = Math.floor((stop - start) / step + 1e-9) + 1;
      if (n > 1_000_000) throw new UserError(`--grid "${spec}": ${n} values is too many`);
      values = [];
      for (let i = 0; i < n; i++) {
        // Round to the step's decimals so 0.1 steps do not drift.
        const v = Number((start + i * step).toPrecision(12));
        values.push(check(name, decl, v));
      }
    } else {
      values = body.split(',').map((t) => parseParamText(name, decl, t));
    }
    if (values.length === 0) throw new UserError(`--grid "${spec}": no values`);
    return { name, values };
  });
}

/** Number of points of the full grid. */
export function gridSize(axes: readonly Axis[]): number {
  return axes.reduce((n, a) => n * a.values.length, 1);
}

/** The i-th point of the grid (row-major, last axis fastest), merged over the defaults. */
export function gridPoint(axes: readonly Axis[], defaults: ParamSet, i: number): ParamSet {
  const out: Record<string, ParamValue> = { ...defaults };
  for (let a = axes.length - 1; a >= 0; a--) {
    const ax = axes[a]!;
    out[ax.name] = ax.values[i % ax.values.length]!;
    i = Math.floor(i / ax.values.length);
  }
  return out;
}

/**
 * The candidate list of a search, in a fixed order that depends only on the axes, constraints and seed:
 * the full grid, or `random` distinct grid points drawn with the seed (without replacement).
 * Points failing a constraint are dropped (and counted).
 */
export function candidates(opts: {
  axes: readonly Axis[];
  defaults: ParamSet;
  constraints: readonly Constraint[];
  random?: number;
  seed?: number;
}): { points: ParamSet[]; rejectedByConstraint: number; gridSize: number } {
  const total = gridSize(opts.axes);
  const ok = (p: ParamSet) => opts.constraints.every((c) => c.test(p));
  const points: ParamSet[] = [];
  let rejected = 0;
  if (opts.random === undefined || opts.random >= total) {
    if (total > 5_000_000) throw new UserError(`the grid has ${total} points; use --random N to sample it`);
    for (let i = 0; i < total; i++) {
      const p = gridPoint(opts.axes, opts.defaults, i);
      if (ok(p)) points.push(p); else rejected++;
    }
    return { points, rejectedByConstraint: rejected, gridSize: total };
  }
  const rnd = seededRng(opts.seed ?? 1);
  const picked = new Set<number>();
  let attempts = 0;
  const maxAttempts = opts.random * 50 + 1000;
  while (points.length < opts.random && picked.size < total && attempts < maxAttempts) {
    attempts++;
    const i = Math.floor(rnd() * total);
    if (picked.has(i)) continue;
    picked.add(i);
    const p = gridPoint(opts.axes, opts.defaults, i);
    if (ok(p)) points.push(p); else rejected++;
  }
  return { points, rejectedByConstraint: rejected, gridSize: total };
}
