/**
 * The executed notebooks of reruns as a read-only contents drive, so JupyterLab
 * opens them as real notebook documents. A run writes them under the project's
 * hidden `.lifecycle/runs/` folder, which jupyter-server's contents API does not
 * serve; the drive reads them from the lifecycle REST API instead.
 *
 * Paths: `LifecycleRuns:<project id>/<run id>/<position>/<execution>/<file name>`,
 * the file name being the executed notebook's own (it names the tab).
 */
import { PathExt } from '@jupyterlab/coreutils';
import { Contents, ServerConnection } from '@jupyterlab/services';
import { nullTranslator, TranslationBundle } from '@jupyterlab/translation';
import { ISignal, Signal } from '@lumino/signaling';

import { Execution, ILifecycleAPI, Run, RunNotebook } from './tokens';

/** The drive's name: the prefix of its paths. */
export const DRIVE_NAME = 'LifecycleRuns';

const NOTEBOOK_MIMETYPE = 'application/x-ipynb+json';
const PATH_PATTERN = /^([^/]+)\/([^/]+)\/(\d{1,9})\/([12])\/([^/]+\.ipynb)$/;

/** What a drive path names: one execution of one notebook of a run. */
export interface ExecutedNotebookAddress {
  projectId: string;
  runId: string;
  position: number;
  execution: Execution;
  /** The executed file's name. */
  name: string;
}

/**
 * The drive path that opens an execution of a run's notebook, or null while
 * there is none to open (not executed yet; for execution 2, not compared twice).
 */
export function executedNotebookPath(
  projectId: string,
  run: Run,
  notebook: RunNotebook,
  execution: Execution = 1
): string | null {
  const file = execution === 1 ? notebook.output_path : (notebook.diffs?.other_path ?? null);
  if (!file || (execution === 2 && !run.twice)) {
    return null;
  }
  return `${DRIVE_NAME}:${projectId}/${run.id}/${notebook.position}/${execution}/${PathExt.basename(file)}`;
}

/** The address in a path of the drive (without the drive's name), or null when it names no executed notebook. */
export function parseExecutedNotebookPath(localPath: string): ExecutedNotebookAddress | null {
  const match = PATH_PATTERN.exec(localPath);
  if (!match) {
    return null;
  }
  return {
    projectId: match[1],
    runId: match[2],
    position: Number(match[3]),
    execution: Number(match[4]) as Execution,
    name: match[5]
  };
}

/** Whether a path (with its drive's name) is an executed notebook of this drive. */
export function isExecutedNotebookPath(path: string): boolean {
  return path.startsWith(`${DRIVE_NAME}:`);
}

/**
 * A read-only drive over the executed notebooks of reruns. `get` fetches one
 * through the lifecycle API and answers a notebook model that is not
 * writable; every change (save, rename, delete, copy, checkpoint) is refused
 * with a message saying why.
 */
export class ExecutedNotebooksDrive implements Contents.IDrive {
  constructor(options: ExecutedNotebooksDrive.IOptions) {
    this._api = options.api;
    this.serverSettings = options.serverSettings ?? ServerConnection.makeSettings();
    this._trans = options.trans ?? nullTranslator.load('lifecycle_lab');
  }

  readonly name = DRIVE_NAME;
  readonly serverSettings: ServerConnection.ISettings;

  get fileChanged(): ISignal<Contents.IDrive, Contents.IChangedArgs> {
    return this._fileChanged;
  }

  get isDisposed(): boolean {
    return this._isDisposed;
  }

  dispose(): void {
    if (this._isDisposed) {
      return;
    }
    this._isDisposed = true;
    Signal.clearData(this);
  }

  async get(localPath: string, options?: Contents.IFetchOptions): Promise<Contents.IModel> {
    const address = parseExecutedNotebookPath(localPath);
    if (!address) {
      throw new Error(
        this._trans.__(
          '%1 is not an executed notebook of a rerun (expected <project>/<run>/<position>/<execution>/<name>.ipynb).',
          localPath
        )
      );
    }
    const wanted = options?.content ?? true;
    const executed = await this._api.executedNotebook(
      address.projectId,
      address.runId,
      address.position,
      address.execution
    );
    const modified = executed.lastModified ?? new Date(0).toISOString();
    return {
      name: address.name,
      path: localPath,
      type: 'notebook',
      writable: false,
      created: modified,
      last_modified: modified,
      mimetype: NOTEBOOK_MIMETYPE,
      format: wanted ? 'json' : null,
      content: wanted ? executed.notebook : null
    };
  }

  async getDownloadUrl(localPath: string): Promise<string> {
    throw new Error(
      this._trans.__(
        '%1 cannot be downloaded from here: the run keeps it in the .lifecycle/runs/ folder of its project.',
        localPath
      )
    );
  }

  async newUntitled(options?: Contents.ICreateOptions): Promise<Contents.IModel> {
    throw this._readOnly(options?.path ?? '');
  }

  async delete(localPath: string): Promise<void> {
    throw this._readOnly(localPath);
  }

  async rename(oldLocalPath: string, newLocalPath: string): Promise<Contents.IModel> {
    throw this._readOnly(oldLocalPath);
  }

  async save(localPath: string, options?: Partial<Contents.IModel>): Promise<Contents.IModel> {
    throw this._readOnly(localPath);
  }

  async copy(localPath: string, toLocalDir: string): Promise<Contents.IModel> {
    throw this._readOnly(localPath);
  }

  async createCheckpoint(localPath: string): Promise<Contents.ICheckpointModel> {
    throw this._readOnly(localPath);
  }

  async listCheckpoints(localPath: string): Promise<Contents.ICheckpointModel[]> {
    return [];
  }

  async restoreCheckpoint(localPath: string, checkpointID: string): Promise<void> {
    throw this._readOnly(localPath);
  }

  async deleteCheckpoint(localPath: string, checkpointID: string): Promise<void> {
    throw this._readOnly(localPath);
  }

  private _readOnly(localPath: string): Error {
    const address = parseExecutedNotebookPath(localPath);
    const error = new Error(
      address
        ? this._trans.__(
            '%1 is the notebook as rerun %2 executed it, kept as the record of that run: it cannot be changed or saved. Copy what you need into a notebook of your own.',
            address.name,
            address.runId
          )
        : this._trans.__('Executed notebooks of reruns are read-only: nothing can be saved, created or changed here.')
    );
    error.name = 'ReadOnlyError';
    return error;
  }

  private _api: Pick<ILifecycleAPI, 'executedNotebook'>;
  private _trans: TranslationBundle;
  private _fileChanged = new Signal<Contents.IDrive, Contents.IChangedArgs>(this);
  private _isDisposed = false;
}

export namespace ExecutedNotebooksDrive {
  export interface IOptions {
    /** The lifecycle API (`LifecycleClient`), through which every notebook is read. */
    api: Pick<ILifecycleAPI, 'executedNotebook'>;
    serverSettings?: ServerConnection.ISettings;
    trans?: TranslationBundle;
  }
}
