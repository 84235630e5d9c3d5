/**
 * The reproducibility runs of the open project: start, follow, cancel, and the
 * history. Free of UI; views listen to `changed`.
 */
import { conflictCurrent, errorMessage } from '../errors';
import { ILifecycleAPI, Run, RunRequest, Verdict } from '../tokens';
import { ProjectPartModel } from './part';

/** The verdicts of a run that compared outputs (a cancelled, failed or timed-out run compared nothing). */
const COMPARED: ReadonlySet<Verdict> = new Set<Verdict>(['reproduced', 'within_tolerance', 'differs']);

/** Runs sorted newest first (by creation time). */
function newestFirst(runs: Run[]): Run[] {
  return [...runs].sort((a, b) => b.created_at.localeCompare(a.created_at));
}

export class RunsModel extends ProjectPartModel<ILifecycleAPI> {
  /**
   * `projectId` says which project is open (null: none); `onFinished` runs when
   * a followed run finishes (its verdict becomes the evidence of the rerun items).
   */
  constructor(api: ILifecycleAPI, projectId: () => string | null, onFinished: () => Promise<void>) {
    super(api, projectId);
    this._onFinished = onFinished;
  }

  /** The run shown in the rerun panel: the one in progress or the one picked from the history. */
  get current(): Run | null {
    return this._current;
  }

  /** Runs of the project, newest first. */
  get history(): Run[] {
    return this._history;
  }

  /**
   * The run whose differences the lint explains (its full record): the shown run if it compared outputs,
   * else the newest one that did; a newer cancelled, failed or running run does not hide it.
   */
  get compared(): Run | null {
    return this._compared;
  }

  /** The options the next rerun starts with (the panel's Twice and Sandbox), kept while views re-render. */
  get options(): RunRequest {
    return this._options;
  }

  set options(options: RunRequest) {
    this._options = { ...options };
    this._changed.emit();
  }

  /**
   * Start a rerun of the project's notebooks with the options of ``RunRequest``
   * (by default `options`); resolves true when there is a run to follow.
   */
  async start(options: RunRequest = this._options): Promise<boolean> {
    const projectId = this._projectId();
    if (!projectId) {
      return false;
    }
    this._error = null;
    try {
      this._show(await this._api.startRun(projectId, options));
      return true;
    } catch (reason) {
      const running = conflictCurrent<Run>(reason);
      if (running) {
        // A run of these notebooks is in progress already (started elsewhere): follow that one.
        this._show(running);
      }
      this._failed(reason);
      return running !== null;
    }
  }

  /** Read the current run again; when it has just finished, reload what it is evidence of. */
  async refresh(): Promise<void> {
    const projectId = this._projectId();
    const run = this._current;
    if (!projectId || !run) {
      return;
    }
    try {
      const latest = await this._api.run(projectId, run.id);
      const finished = run.active && !latest.active;
      this._show(latest);
      if (finished) {
        await this._onFinished();
      }
    } catch (reason) {
      this._failed(reason);
    }
  }

  async cancel(): Promise<void> {
    const projectId = this._projectId();
    const run = this._current;
    if (!projectId || !run?.active) {
      return;
    }
    try {
      this._show(await this._api.cancelRun(projectId, run.id));
    } catch (reason) {
      this._failed(reason);
    }
  }

  /** Load the run history; the newest run becomes the current one unless one is shown. */
  async load(): Promise<void> {
    const projectId = this._projectId();
    if (!projectId) {
      return;
    }
    try {
      const runs = await this._api.runs(projectId);
      if (this._projectId() !== projectId) {
        return;
      }
      this._history = newestFirst(runs);
      await this._loadCompared(projectId);
      if (!this._current && this._history.length > 0) {
        await this.select(this._history[0].id);
        return;
      }
    } catch (reason) {
      this._error = errorMessage(reason);
    }
    this._changed.emit();
  }

  /** Show a run of the history (its full record, with the differences). */
  async select(runId: string): Promise<void> {
    const projectId = this._projectId();
    if (!projectId) {
      return;
    }
    try {
      this._show(await this._api.run(projectId, runId));
    } catch (reason) {
      this._failed(reason);
    }
  }

  /** Forget the runs (another project opened); emits nothing, the caller does. */
  clear(): void {
    this._current = null;
    this._compared = null;
    this._history = [];
    this._error = null;
  }

  /** Fetch the full record of the newest run of the history that compared outputs, unless it is known. */
  private async _loadCompared(projectId: string): Promise<void> {
    const newest = this._history.find(run => run.verdict !== null && COMPARED.has(run.verdict));
    if (newest && newest.id !== this._compared?.id) {
      this._compared = await this._api.run(projectId, newest.id);
    }
  }

  private _show(run: Run): void {
    this._current = run;
    if (run.verdict !== null && COMPARED.has(run.verdict)) {
      this._compared = run;
    }
    this._history = newestFirst([run, ...this._history.filter(r => r.id !== run.id)]);
    this._changed.emit();
  }

  private _failed(reason: unknown): void {
    this._error = errorMessage(reason);
    this._changed.emit();
  }

  private _onFinished: () => Promise<void>;
  private _current: Run | null = null;
  private _options: RunRequest = {};
  private _compared: Run | null = null;
  private _history: Run[] = [];
}
