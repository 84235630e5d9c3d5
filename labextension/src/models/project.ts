/**
 * The open project, free of UI: which project the active notebook or folder
 * belongs to, its view, edits with optimistic concurrency, sign-offs, exports
 * and the change feed. Views listen to `changed`; `projectChanged` says another
 * project (or none) was opened, so the runs and the audit log start afresh.
 */
import { ISignal, Signal } from '@lumino/signaling';

import { conflictCurrent, errorMessage } from '../errors';
import { shareEqual } from '../share';
import {
  AllowedSignoffs,
  Decision,
  ExportFile,
  ExportFormat,
  ILifecycleAPI,
  ItemChanges,
  ItemState,
  Project,
  ProjectView,
  TemplateInfo
} from '../tokens';

/** Marks for the benchmark: the view's data arrived / its first render completed. */
export const DATA_MARK = 'lifecycle-lab:view-data';

export type ModelStatus = 'idle' | 'loading' | 'none' | 'ready' | 'error';

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

export class ProjectModel {
  constructor(api: ILifecycleAPI) {
    this._api = api;
  }

  /** Emitted after any change of the project, its view or an edit's state. */
  get changed(): ISignal<this, void> {
    return this._changed;
  }

  /** Emitted when the project is forgotten (another one, or none, is being opened). */
  get projectChanged(): ISignal<this, void> {
    return this._projectChanged;
  }

  get status(): ModelStatus {
    return this._status;
  }

  /** Why the last project lookup, load or poll failed. */
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

  // --- finding the project -------------------------------------------------------------------

  /**
   * Follow the user to a notebook or folder: find its project and load its view.
   * Resolves true when this call opened another project (still the one to show).
   */
  async setLocation(location: Location): Promise<boolean> {
    if (
      this._location?.path === location.path &&
      this._location.folder === location.folder &&
      this._status !== 'error'
    ) {
      return false;
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
      return false;
    }
    if (ticket !== this._ticket) {
      return false;
    }
    if (project === null) {
      this._clearProject();
      this._status = 'none';
      this._changed.emit();
      void this.loadTemplates();
      return false;
    }
    if (project.id === this.project?.id && this._view) {
      this._status = 'ready';
      this._changed.emit();
      return false;
    }
    this._clearProject();
    this._project = project;
    this._status = 'loading';
    this._changed.emit();
    await this.refresh();
    return ticket === this._ticket && this._view !== null;
  }

  /** Make the current folder a project on `template`, then open it. */
  async initProject(template: string): Promise<boolean> {
    const location = this._location;
    if (!location) {
      return false;
    }
    await this._api.createProject(location.folder, template);
    this._location = null;
    return this.setLocation(location);
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
      // The parts of the view that did not change stay the same objects: their rows need no re-render.
      const previous = this._view?.project.id === answer.view.project.id ? this._view : null;
      this._view = shareEqual(previous, answer.view);
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

  /**
   * One look at the change feed: reload the view when anyone changed the project.
   * Resolves true when it looked and the project is still the one shown.
   */
  async poll(): Promise<boolean> {
    const project = this.project;
    if (!project || !this._view) {
      return false;
    }
    const ticket = this._ticket;
    const since = this._seq;
    const feed = await this._api.changes(project.id, since);
    if (ticket !== this._ticket) {
      return false;
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
    return true;
  }

  /** Say why polling failed (the server may be restarting), or, with null, that it works again. */
  setPollError(reason: unknown | null): void {
    if (reason !== null) {
      this._error = errorMessage(reason);
      this._changed.emit();
    } else if (this._error !== null && this._status === 'ready') {
      this._error = null;
      this._changed.emit();
    }
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

  async exportProject(format: ExportFormat): Promise<ExportFile> {
    const project = this.project;
    if (!project) {
      throw new Error('no lifecycle project is open');
    }
    return this._api.exportProject(project.id, format);
  }

  dispose(): void {
    Signal.clearData(this);
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
      const { seq, ...item } = await this._api.updateItem(project.id, key, changes, version);
      // The feed's position after our own write: the poll does not take it for someone else's.
      this._seq = Math.max(this._seq, seq ?? 0);
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

  private _clearProject(): void {
    this._project = null;
    this._view = null;
    this._etag = null;
    this._seq = 0;
    this._conflicts.clear();
    this._itemErrors.clear();
    this._pending.clear();
    this._projectChanged.emit();
  }

  private _fail(reason: unknown): void {
    this._error = errorMessage(reason);
    this._status = this._view ? 'ready' : 'error';
    this._changed.emit();
  }

  private _api: ILifecycleAPI;
  private _changed = new Signal<this, void>(this);
  private _projectChanged = new Signal<this, void>(this);
  private _status: ModelStatus = 'idle';
  private _error: string | null = null;
  private _location: Location | null = null;
  private _ticket = 0;
  private _project: Project | null = null;
  private _view: ProjectView | null = null;
  private _etag: string | null = null;
  private _seq = 0;
  private _templates: TemplateInfo[] = [];
  private _pending = new Set<string>();
  private _conflicts = new Map<string, ItemConflict>();
  private _itemErrors = new Map<string, string>();
}
