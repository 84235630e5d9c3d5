/**
 * Which stages of a project the user opened or folded, and which long stages
 * they asked to see in full, kept for the session per project and stage (a
 * re-render, a new view or a switch to another notebook and back keeps them).
 * A stage the user did not touch takes its default (see `derive.stageOpenByDefault`).
 */
import { ISignal, Signal } from '@lumino/signaling';

export class StageFolds {
  /** Emitted after the user opened, folded or showed a stage in full. */
  get changed(): ISignal<this, void> {
    return this._changed;
  }

  /** Whether the stage is open: the user's choice, else `byDefault`. */
  isOpen(project: string, stage: string, byDefault: boolean): boolean {
    return this._open.get(key(project, stage)) ?? byDefault;
  }

  /** Open or fold a stage. */
  setOpen(project: string, stage: string, open: boolean): void {
    this._open.set(key(project, stage), open);
    this._changed.emit();
  }

  /** Whether the user asked to see every row of a long stage. */
  showsAll(project: string, stage: string): boolean {
    return this._all.has(key(project, stage));
  }

  /** Show every row of a long stage (its "Show N more"). */
  showAll(project: string, stage: string): void {
    this._all.add(key(project, stage));
    this._changed.emit();
  }

  /**
   * Forget the user's folds and "Show N more" of a project: every stage takes its default again (a new
   * filter shows its matches).
   */
  reset(project: string): void {
    const prefix = key(project, '');
    const forgotten = [...this._open.keys(), ...this._all].filter(known => known.startsWith(prefix));
    forgotten.forEach(known => {
      this._open.delete(known);
      this._all.delete(known);
    });
    if (forgotten.length > 0) {
      this._changed.emit();
    }
  }

  dispose(): void {
    Signal.clearData(this);
  }

  private _open = new Map<string, boolean>();
  private _all = new Set<string>();
  private _changed = new Signal<this, void>(this);
}

function key(project: string, stage: string): string {
  return `${project}\n${stage}`;
}
