/**
 * The model and the HTTP client against a real lifecycle server (started by
 * tests/test_frontend_unit.py, which passes its address in the environment).
 */
import { ServerConnection } from '@jupyterlab/services';
import { describe, expect, it } from 'vitest';

import { LifecycleClient } from '../src/api';
import { DRIVE_NAME, ExecutedNotebooksDrive, executedNotebookPath } from '../src/drive';
import { APIError } from '../src/errors';
import { LifecycleModel } from '../src/model';
import { requestAPI } from '../src/request';

const URL = process.env.LIFECYCLE_LAB_TEST_URL;
const TOKEN = process.env.LIFECYCLE_LAB_TEST_TOKEN ?? '';
const FOLDER = process.env.LIFECYCLE_LAB_TEST_FOLDER ?? '';

function settings(): ServerConnection.ISettings {
  return ServerConnection.makeSettings({ baseUrl: `${URL}/`, token: TOKEN, appendToken: false });
}

async function open(): Promise<LifecycleModel> {
  const model = new LifecycleModel(new LifecycleClient(settings()));
  await model.setLocation({ path: `${FOLDER}/train.ipynb`, folder: FOLDER });
  return model;
}

describe.skipIf(!URL)('against a real server', () => {
  it('finds the project of a notebook and loads its full view', async () => {
    const model = await open();
    expect(model.status).toBe('ready');
    expect(model.project?.path).toBe(FOLDER);
    expect(model.view?.template.stages.length).toBeGreaterThan(0);
    expect(Object.keys(model.view?.items ?? {}).length).toBeGreaterThan(0);
  });

  it('offers initialisation where there is no project', async () => {
    const model = new LifecycleModel(new LifecycleClient(settings()));
    await model.setLocation({ path: 'elsewhere', folder: 'elsewhere' });
    expect(model.status).toBe('none');
  });

  it('writes an item and gets a conflict, with the current item, from a stale version', async () => {
    const model = await open();
    const key = model.view!.template.stages[0].items[0].key;
    expect(await model.updateItem(key, { notes: 'first', due: '2031-02-28' })).toBe(true);
    const other = await open();
    expect(await other.updateItem(key, { notes: 'other tab' })).toBe(true);
    expect(await model.updateItem(key, { notes: 'stale' })).toBe(false);
    expect(model.conflict(key)?.current.notes).toBe('other tab');
    expect(await model.reapply(key)).toBe(true);
    const client = new LifecycleClient(settings());
    const view = await client.view(model.project!.id, null);
    expect(view?.view.items[key]).toMatchObject({ notes: 'stale', due: '2031-02-28' });
  });

  it('sees a change made elsewhere on the next poll of the change feed', async () => {
    const model = await open();
    const key = model.view!.template.stages[0].items[1].key;
    const client = new LifecycleClient(settings());
    const version = model.view!.items[key].version;
    await client.updateItem(model.project!.id, key, { owner: 'carol' }, version);
    await model.poll();
    expect(model.view?.items[key].owner).toBe('carol');
  });

  it('answers a bad request with the server message', async () => {
    const request = requestAPI('projects/no-such-project', {}, settings());
    await expect(request).rejects.toBeInstanceOf(APIError);
    await expect(request).rejects.toMatchObject({ status: 404 });
  });

  it('verifies the audit chain', async () => {
    const model = await open();
    await model.loadAudit();
    expect(model.auditLog?.chain?.ok).toBe(true);
    expect(model.auditLog?.events.at(-1)?.seq).toBe(model.auditLog?.seq);
  });
});

describe.skipIf(!URL)('reruns and exports against a real server', () => {
  it('starts a rerun, follows its progress to the verdict and lists it in the history', { timeout: 180_000 }, async () => {
    const model = await open();
    await model.startRun();
    const started = model.currentRun;
    expect(started?.active).toBe(true);
    while (model.currentRun?.active) {
      await new Promise(resolve => setTimeout(resolve, 500));
      await model.refreshRun();
    }
    const run = model.currentRun!;
    expect(run.id).toBe(started?.id);
    expect(run.verdict).toBe('reproduced');
    expect(run.notebooks[0]).toMatchObject({ path: 'train.ipynb', cells_done: 1, cells_total: 1 });
    expect(run.notebooks[0].output_path).toBe(`.lifecycle/runs/${run.id}/train.ipynb`);
    // the executed notebook, through the read-only drive JupyterLab opens it with
    const drive = new ExecutedNotebooksDrive({ api: new LifecycleClient(settings()) });
    const local = executedNotebookPath(model.project!.id, run, run.notebooks[0])!.slice(DRIVE_NAME.length + 1);
    const executed = await drive.get(local);
    expect(executed).toMatchObject({ type: 'notebook', writable: false, name: 'train.ipynb' });
    const cells = (executed.content as { cells: Array<{ cell_type: string; outputs?: unknown[] }> }).cells;
    expect(cells.filter(cell => cell.cell_type === 'code').every(cell => (cell.outputs ?? []).length > 0)).toBe(true);
    const missing = await drive.get(local.replace('/0/1/', '/7/1/')).catch(e => e);
    expect((missing as APIError).status).toBe(404);
    await model.loadRuns();
    expect(model.runs[0].id).toBe(run.id);
  });

  it('downloads the PDF export with its file name', { timeout: 60_000 }, async () => {
    const model = await open();
    const file = await model.exportProject('pdf');
    expect(file.filename).toMatch(/^credit-model-lifecycle-\d{8}\.pdf$/);
    const head = new Uint8Array(await file.blob.slice(0, 5).arrayBuffer());
    expect(new TextDecoder().decode(head)).toBe('%PDF-');
  });
});
