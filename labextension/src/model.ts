/**
 * The sidebar's model, free of UI: the open project (`models/project.ts`), its
 * reruns (`models/runs.ts`) and its audit log (`models/audit.ts`), each with a
 * signal of its own, put together here with the view filters and settings and
 * one poll of the change feed (`@lumino/polling`, backing off while the server
 * keeps failing). Views listen to `changed`, which any of the three emits.
 */
import { IDisposable } from '@lumino/disposable';
import { Poll } from '@lumino/polling';
import { ISignal, Signal } from '@lumino/signaling';

import { AuditModel } from './models/audit';
import { StageFolds } from './models/folds';
import { ItemConflict, Location, ModelStatus, ProjectModel } from './models/project';
import { RunsModel } from './models/runs';
import {
  AllowedSignoffs,
  AnchorStatus,
  AuditLog,
  Decision,
  ExportFile,
  ExportFormat,
  ILifecycleAPI,
  ILifecycleModel,
  ItemChanges,
  Project,
  ProjectView,
  Run,
  RunRequest,
  TemplateInfo
} from './tokens';

export { DATA_MARK } from './models/project';
export type { ItemConflict, Location, ModelStatus } from './models/project';
export const RENDER_MARK = 'lifecycle-lab:view-rendered';
export const RENDER_MEASURE = 'lifecycle-lab:view-render';

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

/** The longest wait between polls while the server keeps failing (backoff), in ms. */
const MAX_POLL_INTERVAL = 60_000;

export class LifecycleModel implements ILifecycleModel, IDisposable {
  constructor(api: ILifecycleAPI) {
    this.projectModel = new ProjectModel(api);
    const projectId = () => this.projectModel.project?.id ?? null;
    this.runsModel = new RunsModel(api, projectId, () => this.projectModel.refresh());
    this.auditModel = new AuditModel(api, projectId);
    for (const part of [this.projectModel, this.runsModel, this.auditModel, this.folds]) {
      part.changed.connect(() => this._changed.emit(), this);
    }
    this.projectModel.projectChanged.connect(() => {
      this.runsModel.clear();
      this.auditModel.clear();
      this._anchorHead = null;
    }, this);
    // The anchor's lag is asked for lazily: once per position of the change feed the view shows.
    this.projectModel.changed.connect(() => {
      const head = this.projectModel.view?.seq ?? null;
      if (head !== null && head !== this._anchorHead) {
        this._anchorHead = head;
        void this.auditModel.loadAnchor(head);
      }
    }, this);
    this._poll = new Poll({
      auto: false,
      factory: () => this._tick(),
      frequency: { interval: DEFAULT_SETTINGS.refreshInterval, backoff: true, max: MAX_POLL_INTERVAL },
      name: 'lifecycle-lab:changes',
      standby: 'never'
    });
  }

  /** The open project, its view and edits. */
  readonly projectModel: ProjectModel;
  /** The project's reproducibility runs. */
  readonly runsModel: RunsModel;
  /** The project's audit log. */
  readonly auditModel: AuditModel;
  /** Which stages the user opened or folded. */
  readonly folds = new StageFolds();

  /** Emitted after any state change of the project, its runs, its audit log, the filters or settings. */
  get changed(): ISignal<this, void> {
    return this._changed;
  }

  get status(): ModelStatus {
    return this.projectModel.status;
  }

  /** Why the last project lookup, load or poll failed (status `error` when nothing could be shown). */
  get error(): string | null {
    return this.projectModel.error;
  }

  get location(): Location | null {
    return this.projectModel.location;
  }

  get project(): Project | null {
    return this.projectModel.project;
  }

  get view(): ProjectView | null {
    return this.projectModel.view;
  }

  get templates(): TemplateInfo[] {
    return this.projectModel.templates;
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

  /** Setting filters forgets the user's folds of the project, so the stages with matches show open. */
  set filters(filters: Filters) {
    this._filters = { ...filters };
    const project = this.projectModel.project?.id;
    if (project) {
      this.folds.reset(project);
    }
    this._changed.emit();
  }

  isPending(key: string): boolean {
    return this.projectModel.isPending(key);
  }

  conflict(key: string): ItemConflict | null {
    return this.projectModel.conflict(key);
  }

  itemError(key: string): string | null {
    return this.projectModel.itemError(key);
  }

  get currentRun(): Run | null {
    return this.runsModel.current;
  }

  get runs(): Run[] {
    return this.runsModel.history;
  }

  /** The run whose differences the lint explains: the shown run if it compared outputs, else the newest that did. */
  get comparedRun(): Run | null {
    return this.runsModel.compared;
  }

  get runError(): string | null {
    return this.runsModel.error;
  }

  get auditLog(): AuditLog | null {
    return this.auditModel.log;
  }

  /** How far the newest audit anchor is behind the last event (null while unknown). */
  get auditAnchor(): AnchorStatus | null {
    return this.auditModel.anchor;
  }

  get auditError(): string | null {
    return this.auditModel.error;
  }

  get isDisposed(): boolean {
    return this._disposed;
  }

  dispose(): void {
    if (this._disposed) {
      return;
    }
    this._disposed = true;
    this._poll.dispose();
    this.projectModel.dispose();
    this.runsModel.dispose();
    this.auditModel.dispose();
    this.folds.dispose();
    Signal.clearData(this);
  }

  // --- the project ----------------------------------------------------------------------------

  /** Follow the user to a notebook or folder: find its project, load its view, then its runs. */
  async setLocation(location: Location): Promise<void> {
    if (await this.projectModel.setLocation(location)) {
      void this.runsModel.load();
    }
  }

  /** Make the current folder a project on `template`, then open it. */
  async initProject(template: string): Promise<void> {
    if (await this.projectModel.initProject(template)) {
      void this.runsModel.load();
    }
  }

  loadTemplates(): Promise<void> {
    return this.projectModel.loadTemplates();
  }

  refresh(): Promise<void> {
    return this.projectModel.refresh();
  }

  /** One look at the change feed: reload the view when anyone changed the project; follow a run. */
  async poll(): Promise<void> {
    if ((await this.projectModel.poll()) && this.runsModel.current?.active) {
      await this.runsModel.refresh();
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

  updateItem(key: string, changes: ItemChanges, basedOn?: number): Promise<boolean> {
    return this.projectModel.updateItem(key, changes, basedOn);
  }

  reapply(key: string): Promise<boolean> {
    return this.projectModel.reapply(key);
  }

  discardConflict(key: string): void {
    this.projectModel.discardConflict(key);
  }

  signoff(stage: string, role: string, decision: Decision, comment: string): Promise<void> {
    return this.projectModel.signoff(stage, role, decision, comment);
  }

  allowedSignoffs(): Promise<AllowedSignoffs | null> {
    return this.projectModel.allowedSignoffs();
  }

  exportProject(format: ExportFormat): Promise<ExportFile> {
    return this.projectModel.exportProject(format);
  }

  // --- runs and audit -------------------------------------------------------------------------

  /** The options the next rerun starts with (Twice, Sandbox): the panel edits them here, so a re-render keeps them. */
  get runOptions(): RunRequest {
    return this.runsModel.options;
  }

  set runOptions(options: RunRequest) {
    this.runsModel.options = options;
  }

  /** Start a rerun of the project's notebooks (by default with `runOptions`); its progress is followed by the poll. */
  async startRun(options: RunRequest = this.runsModel.options): Promise<void> {
    if (await this.runsModel.start(options)) {
      this._restartPolling();
    }
  }

  refreshRun(): Promise<void> {
    return this.runsModel.refresh();
  }

  cancelRun(): Promise<void> {
    return this.runsModel.cancel();
  }

  loadRuns(): Promise<void> {
    return this.runsModel.load();
  }

  selectRun(runId: string): Promise<void> {
    return this.runsModel.select(runId);
  }

  loadAudit(): Promise<void> {
    return this.auditModel.load();
  }

  // --- polling --------------------------------------------------------------------------------

  /** Start the poll afresh: its first look after one whole interval. */
  private _restartPolling(): void {
    if (this._disposed) {
      return;
    }
    if (this._slowdown === null) {
      void this._poll.stop();
      return;
    }
    const interval = Math.max(this._settings.refreshInterval * this._slowdown, 100);
    this._poll.frequency = { interval, backoff: true, max: Math.max(interval, MAX_POLL_INTERVAL) };
    void this._poll.schedule({ interval, phase: 'started' });
  }

  /**
   * A poll's look. A failure is shown at once; the poll is told (so it backs
   * off) only from the second failure in a row, so one lost request costs one
   * interval and a server that is down is not hammered.
   */
  private async _tick(): Promise<void> {
    try {
      await this.poll();
      this._failures = 0;
      this.projectModel.setPollError(null);
    } catch (reason) {
      this.projectModel.setPollError(reason);
      if (++this._failures > 1) {
        throw reason;
      }
    }
  }

  private _changed = new Signal<this, void>(this);
  private _settings: ModelSettings = { ...DEFAULT_SETTINGS };
  private _filters: Filters = { openOnly: false, mine: false, overdue: false };
  private _poll: Poll;
  private _slowdown: number | null = null;
  private _failures = 0;
  private _anchorHead: number | null = null;
  private _disposed = false;
}
