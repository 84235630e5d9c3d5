/**
 * What the models of a project's parts (runs, audit log, lint) share: the API
 * they call, which project is open, their own `changed` signal and their last
 * error.
 */
import { ISignal, Signal } from '@lumino/signaling';

export abstract class ProjectPartModel<API> {
  /** `projectId` says which project is open (null: none). */
  constructor(api: API, projectId: () => string | null) {
    this._api = api;
    this._projectId = projectId;
  }

  /** Emitted after this part's state or its error changed. */
  get changed(): ISignal<this, void> {
    return this._changed;
  }

  /** Why the last request of this part failed. */
  get error(): string | null {
    return this._error;
  }

  dispose(): void {
    Signal.clearData(this);
  }

  protected readonly _api: API;
  protected readonly _projectId: () => string | null;
  protected readonly _changed = new Signal<this, void>(this);
  protected _error: string | null = null;
}
