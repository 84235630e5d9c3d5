import { describe, expect, it } from 'vitest';

import { datasetState, formatNumber, safeHref, summarizeEvidence } from '../src/evidence';
import { DatasetCheck } from '../src/tokens';

const HASH_A = 'a'.repeat(64);
const HASH_B = 'b'.repeat(64);

function check(name: string, current: string | null, status: DatasetCheck['status'] = 'ok'): DatasetCheck {
  return {
    name,
    path: `${name}.csv`,
    version: 1,
    sha256: HASH_A,
    size: 1,
    files: 1,
    kind: 'csv',
    rows: 2,
    columns: 2,
    recorded_by: 'alice',
    recorded_at: '',
    current_sha256: current,
    status
  };
}

describe('dataset versions', () => {
  it('warns when the data on disk no longer matches the recorded fingerprint', () => {
    const checks = [check('loans', HASH_B, 'changed'), check('ok', HASH_A), check('gone', null, 'missing')];
    const summary = summarizeEvidence(
      'datasets',
      {
        versions: [
          { dataset: 'loans', version: 1, fingerprint: HASH_A },
          { dataset: 'ok', version: 1, fingerprint: HASH_A },
          { dataset: 'gone', version: 2 },
          { dataset: 'unregistered', version: 1 }
        ]
      },
      { datasets: checks }
    );
    expect(summary).toEqual({
      kind: 'datasets',
      versions: [
        { dataset: 'loans', version: 1, state: 'changed' },
        { dataset: 'ok', version: 1, state: 'ok' },
        { dataset: 'gone', version: 2, state: 'missing' },
        { dataset: 'unregistered', version: 1, state: 'unknown' }
      ]
    });
  });

  it('judges an older version by its own fingerprint, not the latest check', () => {
    expect(datasetState([check('loans', HASH_A)], 'loans', HASH_B)).toBe('changed');
    expect(datasetState([check('loans', HASH_A)], 'loans', null)).toBe('ok');
  });
});

describe('evidence summaries', () => {
  it('counts failure modes and the severe ones', () => {
    const rows = [{ mode: 'a', severity: 'high' }, { mode: 'b', severity: 'low' }, { mode: 'c', severity: 'critical' }];
    expect(summarizeEvidence('failure_modes', { rows }, { datasets: [] })).toEqual({
      kind: 'failure_modes',
      count: 3,
      severe: 2
    });
  });

  it('gives metrics with their intervals', () => {
    const evidence = {
      metric: 'auc',
      confidence: 0.95,
      results: [{ segment: 'all', value: 0.86, ci_low: 0.83, ci_high: 0.89, n: 100 }, { segment: 'new', value: null }]
    };
    expect(summarizeEvidence('metrics', evidence, { datasets: [] })).toEqual({
      kind: 'metrics',
      metric: 'auc',
      confidence: 0.95,
      results: [
        { segment: 'all', value: 0.86, low: 0.83, high: 0.89 },
        { segment: 'new', value: null, low: null, high: null }
      ]
    });
  });

  it('gives the last rerun verdict', () => {
    const evidence = { run_id: 'r1', verdict: 'differs', finished_at: '2030-01-01T00:00:00Z' };
    expect(summarizeEvidence('rerun', evidence, { datasets: [] })).toEqual({
      kind: 'rerun',
      verdict: 'differs',
      runId: 'r1',
      finishedAt: '2030-01-01T00:00:00Z'
    });
  });

  it('says none for absent or malformed evidence', () => {
    expect(summarizeEvidence('text', null, { datasets: [] })).toEqual({ kind: 'none' });
    expect(summarizeEvidence('metrics', [1, 2], { datasets: [] })).toEqual({ kind: 'none' });
    expect(summarizeEvidence('failure_modes', { rows: 'x' }, { datasets: [] })).toEqual({
      kind: 'failure_modes',
      count: 0,
      severe: 0
    });
  });
});

describe('safe display', () => {
  it('links only http and https URLs', () => {
    expect(safeHref('https://example.org/card')).toBe('https://example.org/card');
    expect(safeHref('javascript:alert(1)')).toBeNull();
    expect(safeHref(' data:text/html,<script>')).toBeNull();
  });

  it('formats numbers without float noise', () => {
    expect(formatNumber(0.1 + 0.2)).toBe('0.3');
    expect(formatNumber(1200)).toBe('1200');
    expect(formatNumber(null)).toBe('–');
  });
});
