import { describe, expect, it } from 'vitest';
import { editDistance, suggest, unknownName } from '../../engine/domain/index.js';

describe('name suggestions', () => {
  it('measures edit distance', () => {
    expect(editDistance('kitten', 'sitting')).toBe(3);
    expect(editDistance('', 'abc')).toBe(3);
  });
  it('suggests the closest known name', () => {
    expect(suggest('sma-crosss', ['sma-cross', 'rsi-reversion'])).toBe('sma-cross');
    expect(suggest('zzzzzz', ['sma-cross'])).toBeUndefined();
    expect(unknownName('strategy', 'sma-crosss', ['sma-cross']).message).toBe('unknown strategy "sma-crosss" — did you mean "sma-cross"?');
  });
});
