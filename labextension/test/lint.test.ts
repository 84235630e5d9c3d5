import { describe, expect, it } from 'vitest';

import { explainingFindings, findingPlace, findingsByFile, formatSize, LintFinding, LintReport } from '../src/lint';

function finding(over: Partial<LintFinding>): LintFinding {
  return {
    id: 'f',
    rule: 'unseeded-random',
    severity: 'warning',
    path: 'a.ipynb',
    cell: 1,
    cell_id: null,
    line: 2,
    message: 'm',
    fix: 'x',
    ...over
  };
}

function report(findings: LintFinding[]): LintReport {
  return {
    findings,
    counts: { info: 0, warning: findings.length, error: 0 },
    suppressed: 0,
    disabled: [],
    notebooks: [],
    unregistered: []
  };
}

describe('lint findings in the sidebar', () => {
  it('groups findings by file in report order', () => {
    const r = report([finding({ path: 'a.ipynb' }), finding({ path: 'lifecycle.yaml', cell: null }), finding({ path: 'a.ipynb', cell: 3 })]);
    const grouped = findingsByFile(r);
    expect([...grouped.keys()]).toEqual(['a.ipynb', 'lifecycle.yaml']);
    expect(grouped.get('a.ipynb')!.map(f => f.cell)).toEqual([1, 3]);
  });

  it('explains a differing cell with the findings in that cell, worst first', () => {
    const r = report([
      finding({ cell: 2, severity: 'warning', rule: 'unseeded-random' }),
      finding({ cell: 2, severity: 'error', rule: 'use-before-define' }),
      finding({ cell: 3 }),
      finding({ path: 'b.ipynb', cell: 2 })
    ]);
    expect(explainingFindings(r, 'a.ipynb', { index: 2 }).map(f => f.rule)).toEqual(['use-before-define', 'unseeded-random']);
    expect(explainingFindings(r, 'a.ipynb', { index: 5 })).toEqual([]);
    expect(explainingFindings(null, 'a.ipynb', { index: 2 })).toEqual([]);
  });

  it('matches by cell id when both sides have one, so a moved cell keeps its findings', () => {
    const r = report([finding({ cell: 4, cell_id: 'abc' })]);
    expect(explainingFindings(r, 'a.ipynb', { index: 2, cell_id: 'abc' })).toHaveLength(1);
    expect(explainingFindings(r, 'a.ipynb', { index: 4, cell_id: 'other' })).toHaveLength(0);
  });

  it('places findings and sizes for people', () => {
    expect(findingPlace(finding({ cell: 0, line: 5 }))).toBe('cell 1, line 5');
    expect(findingPlace(finding({ cell: 2, line: null }))).toBe('cell 3');
    expect(findingPlace(finding({ cell: null }))).toBe('');
    expect(formatSize(512)).toBe('512 B');
    expect(formatSize(318796)).toBe('318.8 kB');
    expect(formatSize(2_500_000)).toBe('2.5 MB');
  });
});
