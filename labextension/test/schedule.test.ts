import { nullTranslator } from '@jupyterlab/translation';
import { describe, expect, it } from 'vitest';

import { Revalidation, revalidationText, workerText } from '../src/schedule';
import { FakeAPI } from './fakeapi';

const trans = nullTranslator.load('lifecycle_lab');

const schedule = (overrides: Partial<Revalidation>): Revalidation => ({
  every: '30d',
  last: '2026-11-02',
  next_due: '2026-12-02',
  overdue: false,
  due: false,
  notebooks: ['train.ipynb'],
  datasets: [],
  last_run: null,
  item: 'post-deployment/revalidation-schedule',
  ...overrides
});

describe('revalidation and worker labels', () => {
  it('say when the next revalidation is due, or since when it is overdue', () => {
    expect(revalidationText(trans, schedule({}))).toBe('Revalidation every 30d: next due 2026-12-02 · last 2026-11-02');
    expect(revalidationText(trans, schedule({ overdue: true, last: null }))).toBe(
      'Revalidation every 30d: overdue since 2026-12-02 · never run'
    );
  });

  it('name the executor and worker of a notebook, and a retry', () => {
    const notebook = new FakeAPI().newRun('finished').notebooks[0];
    expect(workerText(trans, notebook)).toBeNull();
    expect(workerText(trans, { ...notebook, executor: 'dask', worker: 'tcp://10.0.0.7:40123', attempts: 2 })).toBe(
      'dask · tcp://10.0.0.7:40123 (retried)'
    );
    expect(workerText(trans, { ...notebook, executor: 'local', worker: 'vm (pid 42)', attempts: 1 })).toBe(
      'local · vm (pid 42)'
    );
  });
});
