import { nullTranslator } from '@jupyterlab/translation';
import { describe, expect, it } from 'vitest';

import { badgeClass, personShown, runLabel, truncate } from '../src/components/labels';
import { differingCells } from '../src/diff';
import { FakeAPI } from './fakeapi';

const trans = nullTranslator.load('lifecycle_lab');

describe('shared display helpers', () => {
  it('label a run by its status while active, by its verdict once over', () => {
    expect(runLabel(trans, { active: true, status: 'running', verdict: null })).toBe('Running');
    expect(runLabel(trans, { active: false, status: 'finished', verdict: 'differs' })).toBe('Differs');
    expect(runLabel(trans, { active: false, status: 'failed', verdict: null })).toBe('No verdict yet');
  });

  it('cut long text with an ellipsis and leave short text alone', () => {
    expect(truncate('abcdef', 3)).toBe('abc…');
    expect(truncate('abc', 3)).toBe('abc');
  });

  it('class a badge as ok or blocked', () => {
    expect(badgeClass(true)).toBe('jp-LifecycleLab-badge jp-LifecycleLab-badge-ok');
    expect(badgeClass(false)).toBe('jp-LifecycleLab-badge jp-LifecycleLab-badge-blocked');
  });

  it('count as differing every compared cell that is not identical', () => {
    const notebook = new FakeAPI().newRun('finished').notebooks[0];
    expect(differingCells(notebook)).toEqual([]);
    const cell = (index: number, status: string) => ({ index, cell_id: null, source: '', status, expected: [], actual: [] });
    notebook.diffs = {
      against: 'saved',
      verdict: 'differs',
      counts: {},
      cells: [cell(0, 'identical'), cell(1, 'differs'), cell(2, 'within_tolerance')],
      omitted_cells: 0,
      notes: [],
      warnings: []
    };
    expect(differingCells(notebook).map(c => c.index)).toEqual([1, 2]);
  });
});

describe('personShown', () => {
  it('shows people by name, anonymous ones flagged, bare user names as they are', () => {
    expect(personShown('Olga Petrova <olga>')).toBe('Olga Petrova');
    expect(personShown('Dana <anonymous:cb8a7246f7a14b1c9f0c3a3d7e2b9c11>')).toBe('Dana (anonymous)');
    expect(personShown('olga')).toBe('olga');
  });
});
