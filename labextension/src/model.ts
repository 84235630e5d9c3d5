/**
 * The sidebar's state, free of UI: which project the active notebook or folder
 * belongs to, its view, edits with optimistic concurrency, sign-offs, reruns,
 * exports and the change feed. Views listen to `changed`.
 */
import { IDisposable } from '@lumino/disposable';
import { ISignal, Signal } from '@lumino/signaling';

import { conflictCurrent, errorMessage } from './errors';
import {
  AllowedSignoffs,
  AuditLog,
  Decision,
  ExportFile,
  ExportFormat,
  ILifecycleAPI,
  ILifecycleModel,
  ItemChanges,
  ItemState,
  Project,
  ProjectView,
  Run,
  TemplateInfo,
  Verdict
} from './tokens';

/** The verdicts of a run that compared outputs (a cancelled, failed or timed-out run compared nothing). */
const COMPARED: ReadonlySet<Verdict> = new Set<Verdict>(['reproduced', 'within_tolerance', 'differs']);

/** Marks for the benchmark: the view's data arrived / its first render completed. */
export const DATA_MARK = 'lifecycle-lab:view-data';
export const RENDER_MARK = 'lifecycle-lab:view-rendered';
export const RENDER_MEASURE = 'lifecycle-lab:view-render';

export type ModelStatus = 'idle' | 'loading' | 'none' | 'ready' | 'error';

export interface Filters {
  /** Hide done and not-applicable items. */
  openOnly: boolean;
  /** Only items owned by the current user. */
  mine: boolean;
  /** Only overdue items. */
  overdue: boolean;
}

export interface ModelSettings {
  /** Milliseconds between polls of the change feed while the sidebar is shown. */
  refreshInterval: number;
  /** The template offered first when initialising a project. */
  defaultTemplate: string;
  /** Show done and not-applicable items (unless a filter hides them). */
  showDone: boolean;
}

export const DEFAULT_SETTINGS: ModelSettings = {
  refreshInterval: 1000,
  defaultTemplate: 'default',
  showDone: true
};

/** A write refused because the item moved on: what the user tried and what is there now. */
export interface ItemConflict {
  key: string;
  attempted: ItemChanges;
  current: ItemState;
  message: string;
}

/** Where the user is: the path to look a project up from, and the folder to offer for a new one. */
export interface Location {
  path: string;
  folder: string;
}

/** Runs sorted newest first (by creation time). */
function newestFirst(runs: Run[]): Run[] {
  return [...runs].sort((a, b) => b.created_at.localeCompare(a.created_at));
}

export class LifecycleModel implements ILifecycleModel, IDisposable {
  constructor(api: ILifecycleAPI) {
    this._api = api;
  }

  /** Emitted after any state change. */
  get changed(): ISignal<this, void> {
    return this._changed;
  }

  get status(): ModelStatus {
    return this._status;
  }

  /** Why the last project lookup or load failed (status `error`). */
  get error(): string | null {
    return this._error;
  }

  get location(): Location | null {
    return this._location;
  }

  get project(): Project | null {
    return this._view?.project ?? this._project;
  }

  get view(): ProjectView | null {
    return this._view;
  }

  get templates(): TemplateInfo[] {
    return this._templates;
  }

  get settings(): ModelSettings {
    return this._settings;
  }

  set settings(settings: ModelSettings) {
    this._settings = { ...settings };
    this._restartPolling();
    this._changed.emit();
  }

  get filters(): Filters {
    return this._filters;
  }

  set filters(filters: Filters) {
    this._filters = { ...filters };
    this._changed.emit();
  }

  /** Items with a write in flight. */
  isPending(key: string): boolean {
    return this._pending.has(key);
  }

  conflict(key: string): ItemConflict | null {
    return this._conflicts.get(key) ?? null;
  }

  /** The last refused write's message (not a conflict), by item. */
  itemError(key: string): string | null {
    return this._itemErrors.get(key) ?? null;
  }

  /** The run shown in the rerun panel: the one in progress or the one picked from the history. */
  get currentRun(): Run | null {
    return this._currentRun;
  }

  /** Runs of the project, newest first. */
  /**
   * The run whose differences the lint explains (its full record): the shown run if it compared outputs,
   * else the newest one that did; a newer cancelled, failed or running run does not hide it.
   */
  get comparedRun(): Run | null {
    return this._comparedRun;
  }

  get runs(): Run[] {
    return this._runs;
  }

  get runError(): string | null {
    return this._runError;
  }

  get auditLog(): AuditLog | null {
    return this._audit;
  }

  get isDisposed(): boolean {
    return this._disposed;
  }

  dispose(): void {
    if (this._disposed) {
      return;
    }
    this._disposed = true;
    this._stopTimer();
    Signal.clearData(this);
  }

  // --- finding the project -------------------------------------------------------------------

  /** Follow the user to a notebook or folder: find its project and load its view. */
  async setLocation(location: Location): Promise<void> {
    if (
      this._location?.path === location.path &&
      this._location.folder === location.folder &&
      this._status !== 'error'
    ) {
      return;
    }
    this._location = { ...location };
    const ticket = ++this._ticket;
    if (this._status !== 'ready') {
      this._status = 'loading';
    }
    this._changed.emit();
    let project: Project | null;
    try {
      project = await this._api.findProject(location.path);
    } catch (reason) {
      if (ticket === this._ticket) {
        this._fail(reason);
      }
      return;
    }
    if (ticket !== this._ticket) {
      return;
    }
    if (project === null) {
      this._clearProject();
      this._status = 'none';
      this._changed.emit();
      void this.loadTemplates();
      return;
    }
    if (project.id === this.project?.id && this._view) {
      this._status = 'ready';
      this._changed.emit();
      return;
    }
    this._clearProject();
    this._project = project;
    this._status = 'loading';
    this._changed.emit();
    await this.refresh();
    if (ticket === this._ticket && this._view) {
      void this.loadRuns();
    }
  }

  /** Make the current folder a project on `template`, then open it. */
  async initProject(template: string): Promise<void> {
    const location = this._location;
    if (!location) {
      return;
    }
    await this._api.createProject(location.folder, template);
    this._location = null;
    await this.setLocation(location);
  }

  async loadTemplates(): Promise<void> {
    try {
      this._templates = await this._api.templates();
    } catch (reason) {
      this._error = errorMessage(reason);
    }
    this._changed.emit();
  }

  // --- the view and the change feed ----------------------------------------------------------

  /** Fetch the view again (a cheap 304 when nothing changed). */
  async refresh(): Promise<void> {
    const project = this.project;
    if (!project) {
      return;
    }
    const ticket = this._ticket;
    try {
      const answer = await this._api.view(project.id, this._view ? this._etag : null);
      if (ticket !== this._ticket || answer === null) {
        return;
      }
      performance.mark(DATA_MARK);
      this._view = answer.view;
      this._etag = answer.etag;
      this._seq = Math.max(this._seq, answer.view.seq);
      this._status = 'ready';
      this._error = null;
      this._changed.emit();
    } catch (reason) {
      if (ticket === this._ticket) {
        this._fail(reason);
      }
    }
  }

  /** One look at the change feed: reload the view when anyone changed the project; follow a run. */
  async poll(): Promise<void> {
    const project = this.project;
    if (!project || !this._view) {
      return;
    }
    const ticket = this._ticket;
    const since = this._seq;
    const feed = await this._api.changes(project.id, since);
    if (ticket !== this._ticket) {
      return;
    }
    // A head below what we saw means the store was replaced (an import, a restore): reload everything.
    const replaced = feed.seq < since;
    if (replaced || feed.events.length > 0) {
      if (replaced) {
        this._etag = null;
      }
      await this.refresh();
    }
    this._seq = replaced ? feed.seq : Math.max(this._seq, feed.seq);
    if (this._currentRun?.active) {
      await this.refreshRun();
    }
  }

  /**
   * Poll every `settings.refreshInterval` ms (times `slowdown`, e.g. while the
   * sidebar is hidden), or not at all with `null`.
   */
  setPolling(slowdown: number | null): void {
    this._slowdown = slowdown;
    this._restartPolling();
  }

  // --- edits ---------------------------------------------------------------------------------

  /**
   * Change an item from `basedOn` (the version the user started editing; by
   * default the one the view shows). Resolves true when written; false when
   * refused: a conflict (see `conflict(key)`) or an error (`itemError(key)`).
   */
  async updateItem(key: string, changes: ItemChanges, basedOn?: number): Promise<boolean> {
    const item = this._view?.items[key];
    if (!item) {
      return false;
    }
    return this._write(key, changes, basedOn ?? item.version);
  }

  /** Write the change a conflict refused again, over the newer version. */
  async reapply(key: string): Promise<boolean> {
    const conflict = this._conflicts.get(key);
    const item = this._view?.items[key];
    if (!conflict || !item) {
      return false;
    }
    const version = Math.max(item.version, conflict.current.version);
    return this._write(key, conflict.attempted, version);
  }

  /** Keep the newer value and drop the refused change. */
  discardConflict(key: string): void {
    if (this._conflicts.delete(key)) {
      this._changed.emit();
    }
  }

  /** Approve or reject a stage as `role` (the current user signs). Rejects with the server's message. */
  async signoff(stage: string, role: string, decision: Decision, comment: string): Promise<void> {
    const project = this.project;
    if (!project) {
      return;
    }
    await this._api.signoff(project.id, { stage, role, decision, comment });
    await this.refresh();
  }

  /** What the current user may sign in the project, by stage (null without a project). */
  async allowedSignoffs(): Promise<AllowedSignoffs | null> {
    const project = this.project;
    return project ? this._api.allowedSignoffs(project.id) : null;
  }

  // --- reruns --------------------------------------------------------------------------------

  /** Start a rerun of the project's notebooks; its progress is followed by `poll`. */
  async startRun(twice = false): Promise<void> {
    const project = this.project;
    if (!project) {
      return;
    }
    this._runError = null;
    try {
      this._showRun(await this._api.startRun(project.id, twice));
      this._restartPolling();
    } catch (reason) {
      const running = conflictCurrent<Run>(reason);
      if (running) {
        // A run of these notebooks is in progress already (started elsewhere): follow that one.
        this._showRun(running);
        this._restartPolling();
      }
      this._runFailed(reason);
    }
  }

  async refreshRun(): Promise<void> {
    const project = this.project;
    const run = this._currentRun;
    if (!project || !run) {
      return;
    }
    try {
      const latest = await this._api.run(project.id, run.id);
      const finished = run.active && !latest.active;
      this._showRun(latest);
      if (finished) {
        // A finished run becomes the evidence of the rerun items.
        await this.refresh();
      }
    } catch (reason) {
      this._runFailed(reason);
    }
  }

  async cancelRun(): Promise<void> {
    const project = this.project;
    const run = this._currentRun;
    if (!project || !run?.active) {
      return;
    }
    try {
      this._showRun(await this._api.cancelRun(project.id, run.id));
    } catch (reason) {
      this._runFailed(reason);
    }
  }

  /** Load the run history; the newest run becomes the current one unless one is shown. */
  async loadRuns(): Promise<void> {
    const project = this.project;
    if (!project) {
      return;
    }
    const ticket = this._ticket;
    try {
      const runs = await this._api.runs(project.id);
      if (ticket !== this._ticket) {
        return;
      }
      this._runs = newestFirst(runs);
      await this._loadComparedRun(project.id);
      if (!this._currentRun && this._runs.length > 0) {
        await this.selectRun(this._runs[0].id);
        return;
      }
    } catch (reason) {
      this._runError = errorMessage(reason);
    }
    this._changed.emit();
  }

  /** Show a run of the history (its full record, with the differences). */
  async selectRun(runId: string): Promise<void> {
    const project = this.project;
    if (!project) {
      return;
    }
    try {
      this._showRun(await this._api.run(project.id, runId));
    } catch (reason) {
      this._runFailed(reason);
    }
  }

  // --- export and audit ----------------------------------------------------------------------

  async exportProject(format: ExportFormat): Promise<ExportFile> {
    const project = this.project;
    if (!project) {
      throw new Error('no lifecycle project is open');
    }
    return this._api.exportProject(project.id, format);
  }

  /** Load the whole audit log (page by page) with the verification of its hash chain. */
  async loadAudit(): Promise<void> {
    const project = this.project;
    if (!project) {
      return;
    }
    try {
      const first = await this._api.audit(project.id, 0, true);
      const events = [...first.events];
      // A page shorter than the head says there is more: ask from its last event.
      while (events.length > 0 && events[events.length - 1].seq < first.seq) {
        const page = await this._api.audit(project.id, events[events.length - 1].seq, false);
        if (page.events.length === 0) {
          break;
        }
        events.push(...page.events);
      }
      this._audit = { ...first, events };
      this._auditError = null;
    } catch (reason) {
      this._auditError = errorMessage(reason);
    }
    this._changed.emit();
  }

  get auditError(): string | null {
    return this._auditError;
  }

  // --- internals -----------------------------------------------------------------------------

  private async _write(key: string, changes: ItemChanges, version: number): Promise<boolean> {
    const project = this.project;
    if (!project) {
      return false;
    }
    this._pending.add(key);
    this._itemErrors.delete(key);
    this._changed.emit();
    try {
      const item = await this._api.updateItem(project.id, key, changes, version);
      this._conflicts.delete(key);
      this._patchItem(item);
      return true;
    } catch (reason) {
      const current = conflictCurrent<ItemState>(reason);
      if (current) {
        this._conflicts.set(key, { key, attempted: changes, current, message: errorMessage(reason) });
        this._patchItem(current);
      } else {
        this._itemErrors.set(key, errorMessage(reason));
      }
      return false;
    } finally {
      this._pending.delete(key);
      this._changed.emit();
      // Progress, gates and sign-offs are derived by the server: fetch them.
      void this.refresh();
    }
  }

  /** Put a newer item state into the view at once, before the refreshed view arrives. */
  private _patchItem(item: ItemState): void {
    const view = this._view;
    const known = view?.items[item.key];
    if (!view || (known && known.version > item.version)) {
      return;
    }
    this._view = { ...view, items: { ...view.items, [item.key]: item } };
  }

  /** Fetch the full record of the newest run of the history that compared outputs, unless it is known. */
  private async _loadComparedRun(projectId: string): Promise<void> {
    const newest = this._runs.find(run => run.verdict !== null && COMPARED.has(run.verdict));
    if (newest && newest.id !== this._comparedRun?.id) {
      this._comparedRun = await this._api.run(projectId, newest.id);
    }
  }

  private _showRun(run: Run): void {
    this._currentRun = run;
    if (run.verdict !== null && COMPARED.has(run.verdict)) {
      this._comparedRun = run;
    }
    this._runs = newestFirst([run, ...this._runs.filter(r => r.id !== run.id)]);
    this._changed.emit();
  }

  private _runFailed(reason: unknown): void {
    this._runError = errorMessage(reason);
    this._changed.emit();
  }

  private _clearProject(): void {
    this._project = null;
    this._view = null;
    this._etag = null;
    this._seq = 0;
    this._conflicts.clear();
    this._itemErrors.clear();
    this._pending.clear();
    this._currentRun = null;
    this._comparedRun = null;
    this._runs = [];
    this._runError = null;
    this._audit = null;
    this._auditError = null;
  }

  private _fail(reason: unknown): void {
    this._error = errorMessage(reason);
    this._status = this._view ? 'ready' : 'error';
    this._changed.emit();
  }

  private _restartPolling(): void {
    this._stopTimer();
    if (this._slowdown === null || this._disposed) {
      return;
    }
    const delay = Math.max(this._settings.refreshInterval * this._slowdown, 100);
    this._timer = setTimeout(() => void this._tick(), delay);
  }

  private async _tick(): Promise<void> {
    this._timer = null;
    try {
      await this.poll();
      if (this._error !== null && this._status === 'ready') {
        this._error = null;
        this._changed.emit();
      }
    } catch (reason) {
      // The server may be restarting: say so and keep polling.
      this._error = errorMessage(reason);
      this._changed.emit();
    }
    if (this._timer === null) {
      this._restartPolling();
    }
  }

  private _stopTimer(): void {
    if (this._timer !== null) {
      clearTimeout(this._timer);
      this._timer = null;
    }
  }

  private _api: ILifecycleAPI;
  private _changed = new Signal<this, void>(this);
  private _status: ModelStatus = 'idle';
  private _error: string | null = null;
  private _location: Location | null = null;
  private _ticket = 0;
  private _project: Project | null = null;
  private _view: ProjectView | null = null;
  private _etag: string | null = null;
  private _seq = 0;
  private _templates: TemplateInfo[] = [];
  private _settings: ModelSettings = { ...DEFAULT_SETTINGS };
  private _filters: Filters = { openOnly: false, mine: false, overdue: false };
  private _pending = new Set<string>();
  private _conflicts = new Map<string, ItemConflict>();
  private _itemErrors = new Map<string, string>();
  private _currentRun: Run | null = null;
  private _comparedRun: Run | null = null;
  private _runs: Run[] = [];
  private _runError: string | null = null;
  private _audit: AuditLog | null = null;
  private _auditError: string | null = null;
  private _slowdown: number | null = null;
  private _timer: ReturnType<typeof setTimeout> | null = null;
  private _disposed = false;
}
