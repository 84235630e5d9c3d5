/**
 * The audit log of the open project, loaded page by page with its hash chain
 * verified, and how far its newest anchor is behind its last event. Free of
 * UI; views listen to `changed`.
 */
import { errorMessage } from '../errors';
import { AnchorStatus, AuditLog, ILifecycleAPI } from '../tokens';
import { ProjectPartModel } from './part';

export class AuditModel extends ProjectPartModel<ILifecycleAPI> {
  get log(): AuditLog | null {
    return this._log;
  }

  /** How far the newest anchor is behind the last event (null until asked, or when the server does not say). */
  get anchor(): AnchorStatus | null {
    return this._log?.anchor ?? this._anchor;
  }

  /**
   * Ask how far the newest anchor is behind the last event `head`: the audit
   * call from the head on, which lists no events (the log itself loads only
   * when the audit view opens).
   */
  async loadAnchor(head: number): Promise<void> {
    const projectId = this._projectId();
    if (!projectId) {
      return;
    }
    try {
      this._anchor = (await this._api.audit(projectId, head, false)).anchor ?? null;
    } catch {
      return; // shown when known; the audit view says why the log cannot be read
    }
    if (this._projectId() === projectId) {
      this._changed.emit();
    }
  }

  /** Load the whole audit log (page by page) with the verification of its hash chain. */
  async load(): Promise<void> {
    const projectId = this._projectId();
    if (!projectId) {
      return;
    }
    try {
      const first = await this._api.audit(projectId, 0, true);
      const events = [...first.events];
      // A page shorter than the head says there is more: ask from its last event.
      while (events.length > 0 && events[events.length - 1].seq < first.seq) {
        const page = await this._api.audit(projectId, events[events.length - 1].seq, false);
        if (page.events.length === 0) {
          break;
        }
        events.push(...page.events);
      }
      this._log = { ...first, events };
      this._error = null;
    } catch (reason) {
      this._error = errorMessage(reason);
    }
    this._changed.emit();
  }

  /** Forget the log (another project opened); emits nothing, the caller does. */
  clear(): void {
    this._log = null;
    this._anchor = null;
    this._error = null;
  }

  private _log: AuditLog | null = null;
  private _anchor: AnchorStatus | null = null;
}
