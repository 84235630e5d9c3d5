import { describe, expect, it } from 'vitest';

import { compareText, runTolerance, tokenize, withinTolerance } from '../src/diff';

const TIGHT = { rel: 1e-6, abs: 1e-9 };

describe('number tolerance', () => {
  it('uses the larger of the relative and absolute bounds', () => {
    expect(withinTolerance(100, 100.00005, TIGHT)).toBe(true);
    expect(withinTolerance(100, 100.001, TIGHT)).toBe(false);
    expect(withinTolerance(0, 1e-10, TIGHT)).toBe(true);
    expect(withinTolerance(0.8312, 0.8297, { rel: 1e-2, abs: 0 })).toBe(true);
  });

  it('defaults to the documented tolerance when the run names none', () => {
    expect(runTolerance(undefined)).toEqual({ rel: 1e-6, abs: 1e-9 });
    expect(runTolerance({ tolerance: { rel: 1e-3 } })).toEqual({ rel: 1e-3, abs: 1e-9 });
  });
});

describe('side-by-side outputs', () => {
  it('tokenizes text and numbers so that they join back to the text', () => {
    const text = 'accuracy: 0.9425 (n=2,000) loss -1.5e-3';
    const tokens = tokenize(text);
    expect(tokens.map(t => t.text).join('')).toBe(text);
    expect(tokens.filter(t => t.value !== null).map(t => t.value)).toEqual([0.9425, 2, 0, -1.5e-3]);
  });

  it('highlights only the numbers that moved beyond the tolerance', () => {
    const result = compareText('weights: [1.841 -2.4306]\naccuracy: 0.9425', 'weights: [1.841 -2.4311]\naccuracy: 0.9425', TIGHT);
    expect(result.expected).toEqual([
      { text: 'weights: [1.841 ', mark: 'same' },
      { text: '-2.4306', mark: 'differs' },
      { text: ']\naccuracy: 0.9425', mark: 'same' }
    ]);
    expect(result.actual.find(s => s.mark === 'differs')?.text).toBe('-2.4311');
  });

  it('marks numbers within the tolerance apart from real differences', () => {
    const result = compareText('a 1.0000001 b 2', 'a 1.0000002 b 3', TIGHT);
    expect(result.actual.filter(s => s.mark !== 'same')).toEqual([
      { text: '1.0000002', mark: 'within' },
      { text: '3', mark: 'differs' }
    ]);
  });

  it('marks whole lines that differ in more than numbers, and lines only one side has', () => {
    const result = compareText('ok\nvalue 1', 'ok\nother 1\nextra', TIGHT);
    expect(result.expected).toEqual([
      { text: 'ok\n', mark: 'same' },
      { text: 'value 1', mark: 'differs' }
    ]);
    expect(result.actual).toEqual([
      { text: 'ok\n', mark: 'same' },
      { text: 'other 1', mark: 'differs' },
      { text: '\n', mark: 'same' },
      { text: 'extra', mark: 'differs' }
    ]);
  });

  it('keeps identical outputs unmarked', () => {
    expect(compareText('same 1.5', 'same 1.5', TIGHT)).toEqual({
      expected: [{ text: 'same 1.5', mark: 'same' }],
      actual: [{ text: 'same 1.5', mark: 'same' }]
    });
  });
});
