import { describe, expect, it } from 'vitest';
import { formatNumber, renderTable } from '../../engine/cli/output.js';

describe('number formatting in tables', () => {
  it('keeps exponents of tiny numbers intact', () => {
    expect(formatNumber(2.22583e-10)).toBe('2.226e-10');
    expect(formatNumber(3.5276e-8)).toBe('3.528e-8');
  });
  it('trims trailing zeros of ordinary numbers', () => {
    expect(formatNumber(0.2225)).toBe('0.2225');
    expect(formatNumber(12.5)).toBe('12.5');
    expect(formatNumber(12345.678)).toBe('12345.68');
    expect(formatNumber(7)).toBe('7');
  });
  it('right-aligns numeric columns', () => {
    expect(renderTable([{ a: 'x', n: 1 }, { a: 'yy', n: 100 }])).toBe('a     n\n--  ---\nx     1\nyy  100');
  });
});
