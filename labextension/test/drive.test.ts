import { describe, expect, it } from 'vitest';

import {
  DRIVE_NAME,
  ExecutedNotebooksDrive,
  executedNotebookPath,
  isExecutedNotebookPath,
  parseExecutedNotebookPath
} from '../src/drive';
import { APIError } from '../src/errors';
import { Run } from '../src/tokens';
import { FakeAPI } from './fakeapi';

const NOTEBOOK = {
  cells: [{ cell_type: 'code', source: 'print(1)', metadata: {}, outputs: [], execution_count: 1 }],
  metadata: { kernelspec: { name: 'python3', display_name: 'Python 3' } },
  nbformat: 4,
  nbformat_minor: 5
};

function finishedRun(api: FakeAPI, twice = false): Run {
  const run = api.newRun('finished');
  run.twice = twice;
  run.notebooks[0] = {
    ...run.notebooks[0],
    verdict: 'differs',
    output_path: `.lifecycle/runs/${run.id}/models/train.ipynb`,
    diffs: twice
      ? {
          against: 'second run',
          verdict: 'differs',
          counts: {},
          cells: [],
          omitted_cells: 0,
          notes: [],
          warnings: [],
          other_path: `.lifecycle/runs/${run.id}/models/train.run2.ipynb`
        }
      : null
  };
  return run;
}

describe('executed notebook paths', () => {
  it('name the project, run, position and execution, and keep the file name for the tab', () => {
    const api = new FakeAPI();
    const run = finishedRun(api);
    const path = executedNotebookPath('id-p', run, run.notebooks[0]);
    expect(path).toBe(`${DRIVE_NAME}:id-p/${run.id}/0/1/train.ipynb`);
    expect(isExecutedNotebookPath(path!)).toBe(true);
    expect(isExecutedNotebookPath('credit/train.ipynb')).toBe(false);
    expect(parseExecutedNotebookPath(path!.slice(DRIVE_NAME.length + 1))).toEqual({
      projectId: 'id-p',
      runId: run.id,
      position: 0,
      execution: 1,
      name: 'train.ipynb'
    });
  });

  it('exist only once the run has written the notebook, and a second execution only for twice', () => {
    const api = new FakeAPI();
    const queued = api.newRun('queued');
    expect(executedNotebookPath('id-p', queued, queued.notebooks[0])).toBeNull();
    const once = finishedRun(api);
    expect(executedNotebookPath('id-p', once, once.notebooks[0], 2)).toBeNull();
    const twice = finishedRun(api, true);
    expect(executedNotebookPath('id-p', twice, twice.notebooks[0], 2)).toBe(
      `${DRIVE_NAME}:id-p/${twice.id}/0/2/train.run2.ipynb`
    );
  });

  it('refuse anything else', () => {
    for (const path of ['p/r/0/1', 'p/r/x/1/a.ipynb', 'p/r/0/3/a.ipynb', 'p/r/0/1/a.py', 'p/r/0/1/d/a.ipynb', '']) {
      expect(parseExecutedNotebookPath(path)).toBeNull();
    }
  });
});

describe('the executed notebooks drive', () => {
  function setUp(): { api: FakeAPI; drive: ExecutedNotebooksDrive; local: string; run: Run } {
    const api = new FakeAPI();
    api.addProject('p');
    const run = finishedRun(api);
    api.executed.set(`${run.id}/0/1`, NOTEBOOK);
    const drive = new ExecutedNotebooksDrive({ api });
    const local = executedNotebookPath('id-p', run, run.notebooks[0])!.slice(DRIVE_NAME.length + 1);
    return { api, drive, local, run };
  }

  it('answers the executed notebook as a read-only notebook model', async () => {
    const { drive, local } = setUp();
    const model = await drive.get(local);
    expect(model).toMatchObject({
      name: 'train.ipynb',
      path: local,
      type: 'notebook',
      format: 'json',
      writable: false,
      last_modified: '2030-01-03T00:00:00.000Z'
    });
    expect(model.content).toEqual(NOTEBOOK);
    const bare = await drive.get(local, { content: false });
    expect(bare.content).toBeNull();
  });

  it("passes the server's 404 on while there is no executed notebook", async () => {
    const { drive, run } = setUp();
    const error = await drive.get(`id-p/${run.id}/0/2/train.run2.ipynb`).catch(e => e);
    expect(error).toBeInstanceOf(APIError);
    expect((error as APIError).status).toBe(404);
    await expect(drive.get('id-p/nonsense.ipynb')).rejects.toThrow('is not an executed notebook');
  });

  it('refuses every change with a message that says why, and calls nothing', async () => {
    const { api, drive, local, run } = setUp();
    const attempts: Array<() => Promise<unknown>> = [
      () => drive.save(local, { type: 'notebook', format: 'json', content: NOTEBOOK }),
      () => drive.rename(local, 'id-p/elsewhere.ipynb'),
      () => drive.delete(local),
      () => drive.copy(local, 'id-p'),
      () => drive.newUntitled({ path: 'id-p', type: 'notebook' }),
      () => drive.createCheckpoint(local),
      () => drive.restoreCheckpoint(local, 'c1'),
      () => drive.deleteCheckpoint(local, 'c1')
    ];
    for (const attempt of attempts) {
      const error = (await attempt().catch(e => e)) as Error;
      expect(error.name).toBe('ReadOnlyError');
    }
    const saved = (await drive.save(local).catch(e => e)) as Error;
    expect(saved.message).toContain(`rerun ${run.id}`);
    expect(await drive.listCheckpoints(local)).toEqual([]);
    expect(api.calls.executedNotebook ?? 0).toBe(0);
  });
});
