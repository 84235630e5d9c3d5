import { describe, expect, it } from 'vitest';

import {
  allBlockers,
  auditChanges,
  isOwnedBy,
  latestSignoffs,
  signoffRoles,
  visibleItems
} from '../src/derive';
import { Filters } from '../src/model';
import { ProjectView } from '../src/tokens';
import { FakeAPI } from './fakeapi';

const NONE: Filters = { openOnly: false, mine: false, overdue: false };

function view(): ProjectView {
  const api = new FakeAPI();
  const project = api.addProject('p');
  api.externalUpdate('scope/problem', { status: 'done', owner: 'Alice A.' });
  api.externalUpdate('scope/risks', { status: 'in_progress', owner: 'bob', due: '2020-01-01' });
  return api.buildView(project);
}

const keys = (v: ProjectView, filters: Filters, showDone = true) =>
  visibleItems(v, v.template.stages[0], filters, showDone).map(i => i.key);

describe('item filters', () => {
  it('shows every item without filters', () => {
    expect(keys(view(), NONE)).toEqual(['scope/problem', 'scope/risks']);
  });

  it('hides done items with "open only" and with "show done items" off', () => {
    expect(keys(view(), { ...NONE, openOnly: true })).toEqual(['scope/risks']);
    expect(keys(view(), NONE, false)).toEqual(['scope/risks']);
  });

  it('keeps the current user\'s items with "mine", matching any of their names', () => {
    expect(keys(view(), { ...NONE, mine: true })).toEqual(['scope/problem']);
  });

  it('keeps overdue items with "overdue"', () => {
    expect(keys(view(), { ...NONE, overdue: true })).toEqual(['scope/risks']);
  });
});

describe('ownership', () => {
  const user = { username: 'alice', name: 'Alice', display_name: 'Alice A.', initials: null, color: null };
  it('matches username, name and display name, ignoring case and spaces', () => {
    expect(isOwnedBy(' ALICE ', user)).toBe(true);
    expect(isOwnedBy('alice a.', user)).toBe(true);
    expect(isOwnedBy('alicia', user)).toBe(false);
    expect(isOwnedBy(null, user)).toBe(false);
    expect(isOwnedBy('', user)).toBe(false);
  });
});

describe('sign-offs', () => {
  it('uses the gate roles, or every template role when the gate names none', () => {
    const v = view();
    expect(signoffRoles(v, v.template.stages[0])).toEqual({ required: ['legal'], optional: [] });
    expect(signoffRoles(v, v.template.stages[1])).toEqual({ required: [], optional: ['owner', 'legal'] });
    const told = { ...v, signoff_roles: { [v.template.stages[1].id]: { required: ['owner'], optional: [] } } };
    expect(signoffRoles(told, v.template.stages[1])).toEqual({ required: ['owner'], optional: [] });
  });

  it('keeps the latest sign-off of each role', () => {
    const v = view();
    const base = { stage: 'scope', comment: '', user: 'u', at: '', snapshot: '', outdated: false };
    v.signoffs = [
      { ...base, id: 1, role: 'legal', decision: 'reject' },
      { ...base, id: 2, role: 'legal', decision: 'approve', outdated: true },
      { ...base, id: 3, role: 'owner', decision: 'approve', stage: 'repro' }
    ];
    const latest = latestSignoffs(v, 'scope');
    expect([...latest.keys()]).toEqual(['legal']);
    expect(latest.get('legal')).toMatchObject({ id: 2, outdated: true });
  });
});

describe('blockers and paths', () => {
  it('lists blockers in template order with their stage', () => {
    const v = view();
    v.gates = {
      repro: { stage: 'repro', passed: false, blockers: [{ kind: 'open', target: 'repro/rerun', message: 'open' }] },
      scope: { stage: 'scope', passed: false, blockers: [{ kind: 'signoff_missing', target: 'legal', message: 'm' }] }
    };
    expect(allBlockers(v).map(b => [b.stage.id, b.blocker.target])).toEqual([
      ['scope', 'legal'],
      ['repro', 'repro/rerun']
    ]);
  });
});

describe('auditChanges', () => {
  it('lists the fields an update changed, before and after', () => {
    const before = { status: 'todo', notes: '', version: 1, updated_by: 'a' };
    const after = { status: 'in_progress', notes: 'started', version: 2, updated_by: 'b' };
    expect(auditChanges(before, after)).toEqual([
      { field: 'status', before: 'todo', after: 'in_progress' },
      { field: 'notes', before: '—', after: 'started' }
    ]);
  });

  it('lists the set fields of a creation and shows other values whole', () => {
    expect(auditChanges(null, { stage: 'data', role: 'legal', comment: '' })).toEqual([
      { field: 'stage', before: '—', after: 'data' },
      { field: 'role', before: '—', after: 'legal' }
    ]);
    expect(auditChanges('a', ['b'])).toEqual([{ field: '', before: 'a', after: '["b"]' }]);
  });
});
