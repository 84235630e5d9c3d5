import { describe, expect, it } from 'vitest';

import { ROW_LIMIT, rowsToKeep, stageOpenByDefault, stageRows } from '../src/derive';
import { LifecycleModel } from '../src/model';
import { shareEqual } from '../src/share';
import { ItemSpec, ItemState, ProjectView } from '../src/tokens';
import { FakeAPI } from './fakeapi';

function view(): ProjectView {
  const api = new FakeAPI();
  return api.buildView(api.addProject('p'));
}

/** A view whose first stage holds `count` items, `done` of them (the first ones) done. */
function longStage(count: number, done: number[] = []): { view: ProjectView; items: ItemSpec[] } {
  const v = view();
  const template = v.template.stages[0].items[0];
  const items = Array.from({ length: count }, (_, n) => ({ ...template, id: `i${n}`, key: `scope/i${n}` }));
  const states: Record<string, ItemState> = {};
  items.forEach((spec, n) => {
    states[spec.key] = { ...v.items['scope/problem'], key: spec.key, status: done.includes(n) ? 'done' : 'todo' };
  });
  return { view: { ...v, items: states }, items };
}

describe('which stages start open', () => {
  it('opens only the stage the project is at: the first whose gate has not passed', () => {
    const v = view();
    const [scope, repro] = v.template.stages;
    expect([stageOpenByDefault(v, scope, false), stageOpenByDefault(v, repro, false)]).toEqual([true, false]);
    const passed = { ...v, gates: { scope: { stage: 'scope', passed: true, blockers: [] } } };
    expect([stageOpenByDefault(passed, scope, false), stageOpenByDefault(passed, repro, false)]).toEqual([false, true]);
  });

  it('opens every stage while a filter is on, so its matches show', () => {
    const v = view();
    expect(v.template.stages.map(stage => stageOpenByDefault(v, stage, true))).toEqual([true, true]);
  });
});

describe('rows of a long stage', () => {
  it('shows every row of a short stage', () => {
    const { view: v, items } = longStage(ROW_LIMIT + 1);
    expect(stageRows(v, items, false)).toEqual({ shown: items, more: 0 });
  });

  it('shows the first open items of a long stage and counts the rest', () => {
    const { view: v, items } = longStage(9, [0, 2]);
    const rows = stageRows(v, items, false);
    expect(rows.shown.map(spec => spec.id)).toEqual(['i1', 'i3', 'i4', 'i5', 'i6']);
    expect(rows.more).toBe(4);
    expect(stageRows(v, items, true)).toEqual({ shown: items, more: 0 });
  });

  it('keeps a row the user just closed where it was', () => {
    const { view: before, items } = longStage(9, [0]);
    const shown = stageRows(before, items, false);
    expect(shown.shown.map(spec => spec.id)).toEqual(['i1', 'i2', 'i3', 'i4', 'i5']);
    const kept = rowsToKeep(before, shown.shown, new Set());
    const { view: after } = longStage(9, [0, 3]); // i3 marked done
    const rows = stageRows(after, items, false, kept);
    expect(rows.shown.map(spec => spec.id)).toEqual(['i1', 'i2', 'i3', 'i4', 'i5']);
    expect([...rowsToKeep(after, rows.shown, kept)]).toContain('scope/i3');
  });

  it('does not keep the closed rows shown only because every row was asked for', () => {
    const { view: v, items } = longStage(9, [0, 3]);
    const all = stageRows(v, items, true);
    const kept = rowsToKeep(v, all.shown, new Set());
    expect([...kept]).not.toContain('scope/i0');
    expect(stageRows(v, items, false, kept).shown.map(spec => spec.id)).toEqual(['i1', 'i2', 'i4', 'i5', 'i6']);
  });
});

describe('structural sharing of views', () => {
  it('keeps every part that did not change and replaces the parts that did', () => {
    const before = { a: { x: [1, 2] }, b: { y: 'old' }, c: [{ z: 1 }] };
    const after = shareEqual(before, { a: { x: [1, 2] }, b: { y: 'new' }, c: [{ z: 1 }, { z: 2 }] });
    expect(after).toEqual({ a: { x: [1, 2] }, b: { y: 'new' }, c: [{ z: 1 }, { z: 2 }] });
    expect(after.a).toBe(before.a);
    expect(after.b).not.toBe(before.b);
    expect(after.c).not.toBe(before.c);
    expect(after.c[0]).toBe(before.c[0]);
    expect(shareEqual(before, JSON.parse(JSON.stringify(before)))).toBe(before);
    const small = { a: 1 };
    expect(shareEqual(small, { a: 1, b: 2 })).not.toBe(small);
    expect(shareEqual({ a: 1, b: 2 }, small)).toEqual({ a: 1 });
  });

  it('gives an edit a view in which only the edited item is a new object', async () => {
    const api = new FakeAPI();
    api.addProject('credit');
    const model = new LifecycleModel(api);
    await model.setLocation({ path: 'credit/train.ipynb', folder: 'credit' });
    const before = model.view!;
    api.externalUpdate('scope/risks', { owner: 'bob' });
    await model.projectModel.refresh();
    const after = model.view!;
    expect(after.items['scope/risks'].owner).toBe('bob');
    expect(after.items['scope/risks']).not.toBe(before.items['scope/risks']);
    expect(after.items['scope/problem']).toBe(before.items['scope/problem']);
    expect(after.template).toBe(before.template);
    expect(after.datasets).toBe(before.datasets);
  });
});

describe('folds', () => {
  it('remembers the stages the user opened, folded or showed in full, per project, until a filter is set', async () => {
    const api = new FakeAPI();
    api.addProject('credit');
    const model = new LifecycleModel(api);
    await model.setLocation({ path: 'credit/train.ipynb', folder: 'credit' });
    const project = model.project!.id;
    let emitted = 0;
    model.changed.connect(() => emitted++);
    model.folds.setOpen(project, 'repro', true);
    model.folds.setOpen(project, 'scope', false);
    model.folds.showAll(project, 'scope');
    expect(emitted).toBe(3);
    expect([model.folds.isOpen(project, 'repro', false), model.folds.isOpen(project, 'scope', true)]).toEqual([
      true,
      false
    ]);
    expect(model.folds.isOpen('another', 'repro', false)).toBe(false);
    expect(model.folds.showsAll(project, 'scope')).toBe(true);
    model.filters = { openOnly: false, mine: true, overdue: false };
    expect([model.folds.isOpen(project, 'repro', false), model.folds.isOpen(project, 'scope', true)]).toEqual([
      false,
      true
    ]);
    expect(model.folds.showsAll(project, 'scope')).toBe(false);
  });
});
