import { UserError, unknownName } from '../domain/index.js';

export type ParamValue = number | string | boolean;

export type NumberBounds = { readonly min?: number; readonly max?: number; readonly step?: number };

/**
 * A declared strategy parameter: its type, default and bounds. The bounds validate user input
 * (`--param fast=1` → `param "fast": 1 is below the minimum 2`) and tell an optimiser what to try.
 */
export type ParamDecl<T extends ParamValue = ParamValue> = {
  readonly kind: 'int' | 'float' | 'bool' | 'choice';
  readonly default: T;
  readonly min?: number;
  readonly max?: number;
  readonly step?: number;
  /** choice: the allowed strings. */
  readonly options?: readonly string[];
  /** choice: a number (within min/max) is accepted besides the options. */
  readonly orNumber?: boolean;
  readonly describe?: string;
};

export type ParamDecls = Readonly<Record<string, ParamDecl>>;

/** The resolved parameter values a strategy sees in ctx.params. */
export type ParamValues<P extends ParamDecls> = { readonly [K in keyof P]: P[K]['default'] };

type Described = { readonly describe?: string };

/** An integer parameter: `int(10, { min: 2, max: 200, step: 1 })`. */
export function int(def: number, b: NumberBounds & Described = {}): ParamDecl<number> {
  const d: ParamDecl<number> = { kind: 'int', default: def, ...b };
  check('(default)', d, def);
  return d;
}

/** A real-valued parameter: `float(0.02, { min: 0, max: 0.1, step: 0.005 })`. */
export function float(def: number, b: NumberBounds & Described = {}): ParamDecl<number> {
  const d: ParamDecl<number> = { kind: 'float', default: def, ...b };
  check('(default)', d, def);
  return d;
}

/** A boolean parameter. */
export function bool(def: boolean, b: Described = {}): ParamDecl<boolean> {
  return { kind: 'bool', default: def, ...b };
}

/**
 * One of a few strings; with `orNumber`, also a number within min/max
 * (e.g. `choice('all-in', ['all-in'], { orNumber: true, min: 1e-8 })` for "all-in or N units").
 */
export function choice<const O extends string>(def: O, options: readonly O[], b?: Described): ParamDecl<O>;
export function choice<const O extends string>(def: O | number, options: readonly O[], b: NumberBounds & Described & { orNumber: true }): ParamDecl<O | number>;
export function choice(def: string | number, options: readonly string[], b: NumberBounds & Described & { orNumber?: boolean } = {}): ParamDecl<string | number> {
  const d: ParamDecl<string | number> = { kind: 'choice', default: def, options, ...b };
  check('(default)', d, def);
  return d;
}

function bounds(name: string, d: ParamDecl, v: number): void {
  if (d.min !== undefined && v < d.min) throw new UserError(`param "${name}": ${v} is below the minimum ${d.min}`);
  if (d.max !== undefined && v > d.max) throw new UserError(`param "${name}": ${v} is above the maximum ${d.max}`);
}

/** Validates one value against its declaration; throws a UserError naming the param and the bound. */
export function check(name: string, d: ParamDecl, v: ParamValue): ParamValue {
  switch (d.kind) {
    case 'int':
      if (typeof v !== 'number' || !Number.isInteger(v)) throw new UserError(`param "${name}": ${JSON.stringify(v)} is not an integer`);
      bounds(name, d, v);
      return v;
    case 'float':
      if (typeof v !== 'number' || !Number.isFinite(v)) throw new UserError(`param "${name}": ${JSON.stringify(v)} is not a number`);
      bounds(name, d, v);
      return v;
    case 'bool':
      if (typeof v !== 'boolean') throw new UserError(`param "${name}": ${JSON.stringify(v)} is not true or false`);
      return v;
    case 'choice': {
      const opts = d.options ?? [];
      if (typeof v === 'string' && opts.includes(v)) return v;
      if (d.orNumber && typeof v === 'number' && Number.isFinite(v)) {
        bounds(name, d, v);
        return v;
      }
      throw new UserError(`param "${name}": ${JSON.stringify(v)} is not one of ${opts.map((o) => `"${o}"`).join(', ')}${d.orNumber ? ' or a number' : ''}`);
    }
    default: {
      const never: never = d.kind;
      throw new Error(`unknown param kind ${String(never)}`);
    }
  }
}

/** Turns a command-line string (`--param fast=10`) into the declared type, then validates it. */
export function parseParamText(name: string, d: ParamDecl, text: string): ParamValue {
  const t = text.trim();
  switch (d.kind) {
    case 'int':
    case 'float': {
      const n = t === '' ? NaN : Number(t);
      if (!Number.isFinite(n)) throw new UserError(`param "${name}": "${text}" is not a number`);
      return check(name, d, n);
    }
    case 'bool':
      if (t === 'true' || t === '1' || t === 'yes') return true;
      if (t === 'false' || t === '0' || t === 'no') return false;
      throw new UserError(`param "${name}": "${text}" is not true or false`);
    case 'choice': {
      if ((d.options ?? []).includes(t)) return t;
      const n = t === '' ? NaN : Number(t);
      if (d.orNumber && Number.isFinite(n)) return check(name, d, n);
      return check(name, d, t);
    }
    default: {
      const never: never = d.kind;
      throw new Error(`unknown param kind ${String(never)}`);
    }
  }
}

/**
 * Resolves overrides (strings from the CLI or typed values from a spec file / optimiser) against the
 * declarations: unknown names get a suggestion, every value is validated, defaults fill the rest.
 */
export function resolveParams<P extends ParamDecls>(decls: P, overrides: Readonly<Record<string, ParamValue>> = {}): ParamValues<P> {
  const out: Record<string, ParamValue> = {};
  for (const k of Object.keys(overrides)) {
    if (!Object.prototype.hasOwnProperty.call(decls, k)) throw unknownName('param', k, Object.keys(decls));
  }
  for (const [k, d] of Object.entries(decls)) {
    const raw = overrides[k];
    out[k] = raw === undefined ? d.default : typeof raw === 'string' ? parseParamText(k, d, raw) : check(k, d, raw);
  }
  return out as ParamValues<P>;
}

/**
 * The values an optimiser may try for one parameter: ints and floats from min to max by step
 * (step 1 for ints when omitted), both booleans, the choice options (plus the numeric grid when
 * `orNumber` has min, max and step). Undefined when the declaration is unbounded.
 */
export function enumerateParam(d: ParamDecl): readonly ParamValue[] | undefined {
  const grid = (step: number | undefined): number[] | undefined => {
    if (d.min === undefined || d.max === undefined || !step || step <= 0) return undefined;
    const out: number[] = [];
    const n = Math.floor((d.max - d.min) / step + 1e-9);
    for (let i = 0; i <= n; i++) out.push(Number((d.min + i * step).toPrecision(12)));
    return out;
  };
  switch (d.kind) {
    case 'int':
      return grid(d.step ?? 1);
    case 'float':
      return grid(d.step);
    case 'bool':
      return [false, true];
    case 'choice': {
      const nums = d.orNumber ? grid(d.step) ?? [] : [];
      return [...(d.options ?? []), ...nums];
    }
    default: {
      const never: never = d.kind;
      throw new Error(`unknown param kind ${String(never)}`);
    }
  }
}
