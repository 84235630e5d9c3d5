import { describe, expect, it } from 'vitest';

import {
  explainingFindings,
  explainRun,
  findingPlace,
  findingsByFile,
  formatSize,
  LintFinding,
  LintReport
} from '../src/lint';

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

describe('a rerun explained by the lint', () => {
  it('lists the differing cells that have findings, with them', () => {
    const r = report([finding({ path: 'n.ipynb', cell: 2, cell_id: 'c3' }), finding({ path: 'n.ipynb', cell: 0 })]);
    const run = {
      notebooks: [
        {
          path: 'n.ipynb',
          diffs: {
            cells: [
              { index: 1, cell_id: 'c2', status: 'identical' },
              { index: 2, cell_id: 'c3', status: 'differs' },
              { index: 3, cell_id: 'c4', status: 'differs' }
            ]
          }
        },
        { path: 'ok.ipynb', diffs: null }
      ]
    };
    const explained = explainRun(r, run);
    expect(explained.map(e => [e.path, e.index, e.findings.length])).toEqual([['n.ipynb', 2, 1]]);
    expect(explainRun(null, run)).toEqual([]);
  });
});
