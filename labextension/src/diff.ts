/**
 * Where a rerun's output differs from the saved one: the outputs side by side,
 * each split into segments marked `same`, `within` (a number that moved within
 * the tolerance) or `differs`. The server decides the verdict; this only shows
 * the reader where to look, with the same number rule (docs/rerun.md).
 */
import { CellDiff, RunNotebook, Tolerance } from './tokens';

export type Mark = 'same' | 'within' | 'differs';

export interface Segment {
  text: string;
  mark: Mark;
}

export interface SideBySide {
  expected: Segment[];
  actual: Segment[];
}

const NUMBER = /[-+]?(?:\d+\.\d*|\.\d+|\d+)(?:[eE][-+]?\d+)?/;

interface Token {
  text: string;
  value: number | null;
}

/** Text and number tokens, alternating, so that joining them gives the text back. */
export function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let last = 0;
  const numbers = new RegExp(NUMBER.source, 'g');
  for (let match = numbers.exec(text); match !== null; match = numbers.exec(text)) {
    const start = match.index;
    if (start > last) {
      tokens.push({ text: text.slice(last, start), value: null });
    }
    tokens.push({ text: match[0], value: Number(match[0]) });
    last = start + match[0].length;
  }
  if (last < text.length) {
    tokens.push({ text: text.slice(last), value: null });
  }
  return tokens;
}

/** Numbers agree when |a - b| <= max(rel * max(|a|, |b|), abs). */
export function withinTolerance(a: number, b: number, tolerance: Tolerance): boolean {
  return Math.abs(a - b) <= Math.max(tolerance.rel * Math.max(Math.abs(a), Math.abs(b)), tolerance.abs);
}

function compareLine(expected: string, actual: string, tolerance: Tolerance): SideBySide {
  if (expected === actual) {
    return { expected: [{ text: expected, mark: 'same' }], actual: [{ text: actual, mark: 'same' }] };
  }
  const a = tokenize(expected);
  const b = tokenize(actual);
  // Only numbers may differ for a token-by-token comparison; other text must match.
  const sameShape =
    a.length === b.length &&
    a.every((token, i) =>
      token.value === null ? b[i].value === null && token.text === b[i].text : b[i].value !== null
    );
  if (!sameShape) {
    return { expected: [{ text: expected, mark: 'differs' }], actual: [{ text: actual, mark: 'differs' }] };
  }
  const left: Segment[] = [];
  const right: Segment[] = [];
  a.forEach((token, i) => {
    const other = b[i];
    let mark: Mark = 'same';
    if (token.text !== other.text && token.value !== null && other.value !== null) {
      mark = withinTolerance(token.value, other.value, tolerance) ? 'within' : 'differs';
    }
    left.push({ text: token.text, mark });
    right.push({ text: other.text, mark });
  });
  return { expected: merge(left), actual: merge(right) };
}

/** Adjacent segments with the same mark joined, so the DOM stays small. */
function merge(segments: Segment[]): Segment[] {
  const merged: Segment[] = [];
  for (const segment of segments) {
    const previous = merged[merged.length - 1];
    if (previous && previous.mark === segment.mark) {
      previous.text += segment.text;
    } else {
      merged.push({ ...segment });
    }
  }
  return merged;
}

/** Compare two outputs line by line; a line missing on one side differs as a whole. */
export function compareText(expected: string, actual: string, tolerance: Tolerance): SideBySide {
  const left = expected.split('\n');
  const right = actual.split('\n');
  const result: SideBySide = { expected: [], actual: [] };
  for (let i = 0; i < Math.max(left.length, right.length); i++) {
    const line =
      i < left.length && i < right.length
        ? compareLine(left[i], right[i], tolerance)
        : {
            expected: i < left.length ? [{ text: left[i], mark: 'differs' as Mark }] : [],
            actual: i < right.length ? [{ text: right[i], mark: 'differs' as Mark }] : []
          };
    result.expected.push(...line.expected);
    result.actual.push(...line.actual);
    if (i < left.length - 1) {
      result.expected.push({ text: '\n', mark: 'same' });
    }
    if (i < right.length - 1) {
      result.actual.push({ text: '\n', mark: 'same' });
    }
  }
  return { expected: merge(result.expected), actual: merge(result.actual) };
}

/** The cells of a compared notebook whose outputs did not come out identical. */
export function differingCells(notebook: RunNotebook): CellDiff[] {
  return notebook.diffs?.cells.filter(cell => cell.status !== 'identical') ?? [];
}

/** The tolerance a run compared numbers with (its options), or the documented default. */
export function runTolerance(options: { tolerance?: Partial<Tolerance> } | null | undefined): Tolerance {
  return {
    rel: options?.tolerance?.rel ?? 1e-6,
    abs: options?.tolerance?.abs ?? 1e-9
  };
}
