import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

import { DATA_MARK, LifecycleModel } from '../src/model';
import { FakeAPI } from './fakeapi';

function setup(folder = 'credit') {
  const api = new FakeAPI();
  api.addProject(folder);
  const model = new LifecycleModel(api);
  return { api, model };
}

async function openCredit(model: LifecycleModel) {
  await model.setLocation({ path: 'credit/train.ipynb', folder: 'credit' });
}

afterEach(() => {
  vi.useRealTimers();
  performance.clearMarks();
});

describe('finding the project', () => {
  it('loads the view of the project holding the active notebook', async () => {
    const { model } = setup();
    const seen: string[] = [];
    model.changed.connect(() => seen.push(model.status));
    await openCredit(model);
    expect(model.status).toBe('ready');
    expect(model.project?.path).toBe('credit');
    expect(model.view?.items['scope/problem'].status).toBe('todo');
    expect(seen).toContain('loading');
  });

  it('marks the arrival of the view data for the render benchmark', async () => {
    const { model } = setup();
    await openCredit(model);
    expect(performance.getEntriesByName(DATA_MARK, 'mark')).toHaveLength(1);
  });

  it('offers to initialise a folder without a project and opens the new one', async () => {
    const api = new FakeAPI();
    const model = new LifecycleModel(api);
    await model.setLocation({ path: 'fresh/nb.ipynb', folder: 'fresh' });
    expect(model.status).toBe('none');
    await vi.waitFor(() => expect(model.templates.map(t => t.id)).toEqual(['tiny']));
    await model.initProject('tiny');
    expect(model.status).toBe('ready');
    expect(model.project?.path).toBe('fresh');
  });

  it('reports a refused initialisation and stays on the offer', async () => {
    const api = new FakeAPI();
    const model = new LifecycleModel(api);
    await model.setLocation({ path: 'fresh', folder: 'fresh' });
    await expect(model.initProject('nope')).rejects.toThrow(/no template 'nope'/);
    expect(model.status).toBe('none');
  });

  it('keeps the view when the user moves within the same project', async () => {
    const { api, model } = setup();
    await openCredit(model);
    const views = api.calls.view;
    await model.setLocation({ path: 'credit/eval.ipynb', folder: 'credit' });
    expect(model.status).toBe('ready');
    expect(api.calls.view).toBe(views);
  });

  it('ignores the answer for a location the user already left', async () => {
    const { api, model } = setup();
    api.addProject('other');
    let release!: () => void;
    api.gates.set('credit/slow.ipynb', new Promise<void>(resolve => (release = resolve)));
    const slow = model.setLocation({ path: 'credit/slow.ipynb', folder: 'credit' });
    await model.setLocation({ path: 'other/nb.ipynb', folder: 'other' });
    release();
    await slow;
    expect(model.project?.path).toBe('other');
  });
});

describe('editing items without losing an edit', () => {
  it('writes a change from the version shown and shows the new state at once', async () => {
    const { api, model } = setup();
    await openCredit(model);
    const written = await model.updateItem('scope/problem', { status: 'done', due: '2031-01-31' });
    expect(written).toBe(true);
    expect(api.items.get('scope/problem')).toMatchObject({ status: 'done', due: '2031-01-31', version: 1 });
    expect(model.view?.items['scope/problem'].status).toBe('done');
    expect(model.isPending('scope/problem')).toBe(false);
  });

  it('keeps a refused change with the newer value when someone else wrote first', async () => {
    const { api, model } = setup();
    await openCredit(model);
    api.externalUpdate('scope/problem', { notes: 'from the CLI' });
    const written = await model.updateItem('scope/problem', { notes: 'mine' });
    expect(written).toBe(false);
    const conflict = model.conflict('scope/problem');
    expect(conflict?.attempted).toEqual({ notes: 'mine' });
    expect(conflict?.current.notes).toBe('from the CLI');
    expect(model.view?.items['scope/problem'].notes).toBe('from the CLI');
    expect(api.items.get('scope/problem')?.notes).toBe('from the CLI');
  });

  it('refuses a save based on the version the user started editing once the item moved on', async () => {
    const { api, model } = setup();
    await openCredit(model);
    const startedFrom = model.view!.items['scope/problem'].version;
    api.externalUpdate('scope/problem', { notes: 'other tab' });
    await model.poll();
    expect(model.view?.items['scope/problem'].notes).toBe('other tab');
    expect(await model.updateItem('scope/problem', { notes: 'typed before' }, startedFrom)).toBe(false);
    expect(model.conflict('scope/problem')?.current.notes).toBe('other tab');
    expect(api.items.get('scope/problem')?.notes).toBe('other tab');
  });

  it('re-applies the refused change over the newer version', async () => {
    const { api, model } = setup();
    await openCredit(model);
    api.externalUpdate('scope/problem', { notes: 'from the CLI' });
    await model.updateItem('scope/problem', { notes: 'mine' });
    expect(await model.reapply('scope/problem')).toBe(true);
    expect(api.items.get('scope/problem')).toMatchObject({ notes: 'mine', version: 2 });
    expect(model.conflict('scope/problem')).toBeNull();
  });

  it('drops the refused change when the user keeps theirs', async () => {
    const { api, model } = setup();
    await openCredit(model);
    api.externalUpdate('scope/problem', { notes: 'from the CLI' });
    await model.updateItem('scope/problem', { notes: 'mine' });
    model.discardConflict('scope/problem');
    expect(model.conflict('scope/problem')).toBeNull();
    expect(api.items.get('scope/problem')?.notes).toBe('from the CLI');
  });

  it('reloads what the server derives (progress) after a write', async () => {
    const { model } = setup();
    await openCredit(model);
    expect(model.view?.progress.overall.done).toBe(0);
    await model.updateItem('scope/problem', { status: 'done' });
    await vi.waitFor(() => expect(model.view?.progress.overall.done).toBe(1));
  });

  it('shows the server message of an invalid change on the item', async () => {
    const { model } = setup();
    await openCredit(model);
    const written = await model.updateItem('scope/problem', { status: 'not_applicable' });
    expect(written).toBe(false);
    expect(model.itemError('scope/problem')).toMatch(/justification/);
    expect(model.conflict('scope/problem')).toBeNull();
    expect(await model.updateItem('scope/problem', { status: 'not_applicable', justification: 'no users' })).toBe(true);
    expect(model.itemError('scope/problem')).toBeNull();
  });
});

describe('the change feed', () => {
  it('reloads the view when someone else changed the project', async () => {
    const { api, model } = setup();
    await openCredit(model);
    api.externalUpdate('scope/risks', { status: 'blocked' });
    await model.poll();
    expect(model.view?.items['scope/risks'].status).toBe('blocked');
  });

  it('does not fetch the view while nothing changed', async () => {
    const { api, model } = setup();
    await openCredit(model);
    const views = api.calls.view;
    await model.poll();
    await model.poll();
    expect(api.calls.view).toBe(views);
    expect(api.calls.changes).toBe(2);
  });

  /** An edit, then a poll that comes before the reload the write started has answered; the view calls made. */
  async function editThenPoll(answersSeq: boolean): Promise<number> {
    const { api, model } = setup();
    api.answersSeq = answersSeq;
    await openCredit(model);
    const views = api.calls.view;
    let release = () => {};
    api.viewGate = new Promise<void>(resolve => (release = resolve));
    // The write reloads the view (progress is derived by the server): that reload is held back.
    await model.updateItem('scope/problem', { notes: 'mine' });
    const polled = model.poll();
    await vi.waitFor(() => expect(api.calls.changes).toBe(1));
    release();
    await polled;
    await vi.waitFor(() => expect(model.view?.items['scope/problem'].notes).toBe('mine'));
    await model.poll();
    return api.calls.view - views;
  }

  it('does not take its own edit for someone else’s when the answer carries the feed position', async () => {
    expect(await editThenPoll(true)).toBe(1);
  });

  it('reloads the view once more for its own edit when an older server does not say the position', async () => {
    expect(await editThenPoll(false)).toBe(2);
  });

  it('reloads everything when the store was replaced (the head went back)', async () => {
    const { api, model } = setup();
    await openCredit(model);
    api.externalUpdate('scope/risks', { notes: 'a' });
    await model.poll();
    api.seq = 1;
    api.items.set('scope/risks', { ...api.items.get('scope/risks')!, notes: 'restored' });
    await model.poll();
    expect(model.view?.items['scope/risks'].notes).toBe('restored');
    api.externalUpdate('scope/risks', { notes: 'after restore' });
    await model.poll();
    expect(model.view?.items['scope/risks'].notes).toBe('after restore');
  });

  it('polls every refresh interval while active and stops when told', async () => {
    vi.useFakeTimers();
    const { api, model } = setup();
    await openCredit(model);
    model.settings = { ...model.settings, refreshInterval: 1000 };
    model.setPolling(1);
    api.externalUpdate('scope/risks', { owner: 'carol' });
    await vi.advanceTimersByTimeAsync(1000);
    expect(model.view?.items['scope/risks'].owner).toBe('carol');
    const polls = api.calls.changes;
    await vi.advanceTimersByTimeAsync(3000);
    expect(api.calls.changes).toBe(polls + 3);
    model.setPolling(null);
    await vi.advanceTimersByTimeAsync(5000);
    expect(api.calls.changes).toBe(polls + 3);
    model.dispose();
  });

  it('polls slower by the given factor (sidebar hidden)', async () => {
    vi.useFakeTimers();
    const { api, model } = setup();
    await openCredit(model);
    model.setPolling(5);
    await vi.advanceTimersByTimeAsync(4900);
    expect(api.calls.changes ?? 0).toBe(0);
    await vi.advanceTimersByTimeAsync(100);
    expect(api.calls.changes).toBe(1);
    model.dispose();
  });
});

describe('the audit anchor', () => {
  it('says how far the newest anchor is behind, asked again when the view moves on', async () => {
    const { api, model } = setup();
    api.anchoredSeq = 1;
    await openCredit(model);
    await vi.waitFor(() => expect(model.auditAnchor?.behind).toBe(0));
    expect(model.auditLog).toBeNull(); // the log itself is not loaded for it
    api.externalUpdate('scope/risks', { notes: 'x' });
    await model.poll();
    await vi.waitFor(() => expect(model.auditAnchor).toMatchObject({ anchored_seq: 1, behind: 1 }));
  });
});

describe('polling', () => {
  it('keeps polling through a failed poll, shows why, and clears the error once the server answers', async () => {
    vi.useFakeTimers();
    const { api, model } = setup();
    await openCredit(model);
    const changes = vi.spyOn(api, 'changes').mockRejectedValueOnce(new TypeError('Failed to fetch'));
    model.setPolling(1);
    await vi.advanceTimersByTimeAsync(1000);
    expect(model.error).toBe('Failed to fetch');
    expect(model.status).toBe('ready');
    // The next poll answers with nothing new: the error still goes.
    await vi.advanceTimersByTimeAsync(1000);
    expect(changes).toHaveBeenCalledTimes(2);
    expect(model.error).toBeNull();
    model.dispose();
  });

  it('backs off while the server keeps failing and returns to the interval once it answers', async () => {
    vi.useFakeTimers();
    vi.spyOn(Math, 'random').mockReturnValue(0.999999); // the longest wait the backoff may pick
    const { api, model } = setup();
    await openCredit(model);
    const changes = vi.spyOn(api, 'changes').mockRejectedValue(new TypeError('Failed to fetch'));
    model.setPolling(1);
    await vi.advanceTimersByTimeAsync(2000);
    expect(changes).toHaveBeenCalledTimes(2); // one lost request costs one interval
    await vi.advanceTimersByTimeAsync(58_000);
    // 1 s, 2 s, then 3 s, 9 s and 27 s later: 5 looks in a minute, not 60.
    expect(changes).toHaveBeenCalledTimes(5);
    expect(model.error).toBe('Failed to fetch');
    changes.mockRestore();
    await vi.advanceTimersByTimeAsync(60_000);
    const calls = api.calls.changes ?? 0;
    expect(calls).toBeGreaterThanOrEqual(1);
    expect(model.error).toBeNull();
    await vi.advanceTimersByTimeAsync(3000);
    expect(api.calls.changes).toBe(calls + 3);
    model.dispose();
    vi.restoreAllMocks();
  });

  it('restarts the timer at a new refresh interval', async () => {
    vi.useFakeTimers();
    const { api, model } = setup();
    await openCredit(model);
    model.setPolling(1);
    model.settings = { ...model.settings, refreshInterval: 3000 };
    await vi.advanceTimersByTimeAsync(2900);
    expect(api.calls.changes ?? 0).toBe(0);
    await vi.advanceTimersByTimeAsync(100);
    expect(api.calls.changes).toBe(1);
    model.dispose();
  });

  it('follows the progress of a started run on the timer, then reloads its evidence', async () => {
    vi.useFakeTimers();
    const { api, model } = setup();
    await openCredit(model);
    model.setPolling(1);
    await model.startRun();
    const id = model.currentRun!.id;
    api.advanceRun(id, 3);
    await vi.advanceTimersByTimeAsync(1000);
    expect(model.currentRun).toMatchObject({ active: true, notebooks: [{ cells_done: 3 }] });
    api.advanceRun(id, 4, 'reproduced');
    await vi.advanceTimersByTimeAsync(1000);
    expect(model.currentRun).toMatchObject({ active: false, verdict: 'reproduced' });
    expect(model.view?.items['repro/rerun'].evidence).toEqual({ run_id: id, verdict: 'reproduced' });
    model.dispose();
  });
});

describe('sign-offs', () => {
  it('records the decision and reloads the view with it', async () => {
    const { model } = setup();
    await openCredit(model);
    await model.signoff('scope', 'legal', 'approve', 'fine');
    expect(model.view?.signoffs).toMatchObject([{ stage: 'scope', role: 'legal', decision: 'approve', user: 'alice' }]);
  });

  it('rejects a rejection without a comment with the server message', async () => {
    const { model } = setup();
    await openCredit(model);
    await expect(model.signoff('scope', 'legal', 'reject', ' ')).rejects.toThrow(/needs a comment/);
  });
});

describe('reruns', () => {
  it('follows a run to its verdict and then reloads the evidence', async () => {
    const { api, model } = setup();
    await openCredit(model);
    await model.startRun();
    const id = model.currentRun!.id;
    expect(model.currentRun?.active).toBe(true);
    api.advanceRun(id, 2);
    await model.poll();
    expect(model.currentRun?.notebooks[0].cells_done).toBe(2);
    api.advanceRun(id, 4, 'differs');
    await model.poll();
    expect(model.currentRun).toMatchObject({ active: false, verdict: 'differs' });
    expect(model.view?.items['repro/rerun'].evidence).toEqual({ run_id: id, verdict: 'differs' });
    expect(model.runs.map(r => r.id)).toEqual([id]);
  });

  it('passes the rerun options on to the server', async () => {
    const { api, model } = setup();
    await openCredit(model);
    await model.startRun({ sandbox: true });
    expect(api.runRequests).toEqual([{ sandbox: true }]);
  });

  it('starts with the options the panel set, which outlive a re-render and a reload of the project', async () => {
    const { api, model } = setup();
    await openCredit(model);
    model.runOptions = { twice: false, sandbox: true };
    await model.refresh();
    expect(model.runOptions).toEqual({ twice: false, sandbox: true });
    await model.startRun();
    expect(api.runRequests).toEqual([{ twice: false, sandbox: true }]);
  });

  it('follows the run already in progress when another one is asked for', async () => {
    const { api, model } = setup();
    await openCredit(model);
    await vi.waitFor(() => expect(api.calls.runs).toBe(1));
    expect(model.currentRun).toBeNull();
    const elsewhere = api.newRun('running');
    await model.startRun();
    expect(model.currentRun?.id).toBe(elsewhere.id);
    expect(model.runError).toMatch(/is rerunning/);
    expect(api.runList).toHaveLength(1);
  });

  it('says why a run could not be followed', async () => {
    const { api, model } = setup();
    await openCredit(model);
    await model.startRun();
    vi.spyOn(api, 'run').mockRejectedValueOnce(new Error('no run run-1'));
    await model.refreshRun();
    expect(model.runError).toBe('no run run-1');
    expect(model.currentRun?.id).toBe('run-1');
  });

  it('cancels the run in progress', async () => {
    const { model } = setup();
    await openCredit(model);
    await model.startRun();
    await model.cancelRun();
    expect(model.currentRun).toMatchObject({ status: 'cancelled', active: false });
  });

  it('shows the newest run of the history when the project opens', async () => {
    const { api, model } = setup();
    api.newRun('finished', '2030-01-01T00:00:00Z');
    api.newRun('finished', '2030-02-01T00:00:00Z');
    await openCredit(model);
    await vi.waitFor(() => expect(model.currentRun?.id).toBe('run-2'));
    expect(model.runs.map(r => r.id)).toEqual(['run-2', 'run-1']);
    await model.selectRun('run-1');
    expect(model.currentRun?.id).toBe('run-1');
  });

  it('keeps the newest compared run for the lint when a newer run compared nothing', async () => {
    const { api, model } = setup();
    Object.assign(api.newRun('finished', '2030-01-01T00:00:00Z'), { verdict: 'differs' });
    Object.assign(api.newRun('cancelled', '2030-02-01T00:00:00Z'), { verdict: 'cancelled' });
    await openCredit(model);
    await vi.waitFor(() => expect(model.currentRun?.id).toBe('run-2'));
    expect(model.comparedRun?.id).toBe('run-1');
    await model.startRun();
    expect(model.comparedRun?.id).toBe('run-1'); // a queued run compared nothing yet
  });
});

describe('audit and export', () => {
  it('loads every page of the audit log with the chain check', async () => {
    const { api, model } = setup();
    await openCredit(model);
    for (let i = 0; i < 4; i++) {
      api.externalUpdate('scope/risks', { notes: String(i) });
    }
    await model.loadAudit();
    expect(model.auditLog?.events.map(e => e.seq)).toEqual([1, 2, 3, 4, 5]);
    expect(model.auditLog?.chain?.ok).toBe(true);
  });

  it('exports the open project', async () => {
    const { model } = setup();
    await openCredit(model);
    const file = await model.exportProject('pdf');
    expect(file.filename).toBe('report.pdf');
  });
});

describe('filters and settings', () => {
  let model: LifecycleModel;
  beforeEach(async () => {
    model = setup().model;
    await openCredit(model);
  });

  it('notifies views when filters change', () => {
    const listener = vi.fn();
    model.changed.connect(listener);
    model.filters = { ...model.filters, mine: true };
    expect(listener).toHaveBeenCalledTimes(1);
    expect(model.filters.mine).toBe(true);
  });
});
