import { describe, expect, it } from 'vitest';
import { bool, choice, enumerateParam, float, int, resolveParams } from '../../engine/api/index.js';
import { strategyParams } from '../../engine/app/index.js';
import smaCross from '../../strategies/sma-cross.js';

const decls = {
  fast: int(10, { min: 2, max: 50, step: 4 }),
  frac: float(0.5, { min: 0, max: 1, step: 0.25 }),
  short: bool(false),
  mode: choice('a', ['a', 'b']),
  size: choice('all-in', ['all-in'], { orNumber: true, min: 1, max: 3, step: 1 }),
};

describe('strategy params', () => {
  it('fills defaults and parses command-line strings into the declared types', () => {
    expect(resolveParams(decls, { fast: '12', frac: '0.25', short: 'true', mode: 'b', size: '2' })).toEqual({ fast: 12, frac: 0.25, short: true, mode: 'b', size: 2 });
    expect(resolveParams(decls, {})).toEqual({ fast: 10, frac: 0.5, short: false, mode: 'a', size: 'all-in' });
  });

  it('names the param and the bound when a value is out of bounds', () => {
    expect(() => resolveParams(decls, { fast: '1' })).toThrow('param "fast": 1 is below the minimum 2');
    expect(() => resolveParams(decls, { fast: 51 })).toThrow('param "fast": 51 is above the maximum 50');
    expect(() => resolveParams(decls, { frac: '1.5' })).toThrow('param "frac": 1.5 is above the maximum 1');
    expect(() => resolveParams(decls, { size: '9' })).toThrow('param "size": 9 is above the maximum 3');
  });

  it('rejects values of the wrong type', () => {
    expect(() => resolveParams(decls, { fast: '2.5' })).toThrow('param "fast": 2.5 is not an integer');
    expect(() => resolveParams(decls, { frac: 'abc' })).toThrow('param "frac": "abc" is not a number');
    expect(() => resolveParams(decls, { short: 'maybe' })).toThrow('param "short": "maybe" is not true or false');
    expect(() => resolveParams(decls, { mode: 'c' })).toThrow('param "mode": "c" is not one of "a", "b"');
  });

  it('suggests the closest name for an unknown param', () => {
    expect(() => resolveParams(decls, { fsat: '3' })).toThrow('unknown param "fsat" — did you mean "fast"?');
  });

  it('refuses a declaration whose default is out of its own bounds', () => {
    expect(() => int(1, { min: 2 })).toThrow('param "(default)": 1 is below the minimum 2');
  });

  it('enumerates the values an optimiser may try', () => {
    expect(enumerateParam(decls.fast)).toEqual([2, 6, 10, 14, 18, 22, 26, 30, 34, 38, 42, 46, 50]);
    expect(enumerateParam(decls.frac)).toEqual([0, 0.25, 0.5, 0.75, 1]);
    expect(enumerateParam(decls.short)).toEqual([false, true]);
    expect(enumerateParam(decls.mode)).toEqual(['a', 'b']);
    expect(enumerateParam(decls.size)).toEqual(['all-in', 1, 2, 3]);
    expect(enumerateParam(float(0.1))).toBeUndefined();
  });

  it("applies the strategy's cross-param rule (sma-cross: fast below slow)", () => {
    expect(() => strategyParams(smaCross, { fast: '30', slow: '10' })).toThrow('strategy "sma-cross": param "fast" (30) must be below param "slow" (10)');
    expect(strategyParams(smaCross, { size: '1' })).toEqual({ fast: 10, slow: 30, size: 1 });
  });
});
