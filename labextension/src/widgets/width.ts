/**
 * The sidebar's width: about 360 px by default, and the width the user gives
 * it kept across reloads. JupyterLab has no per-panel width: the side area's
 * width is a share of the shell's horizontal split panel, which the layout
 * restorer saves. So the width is set the way a user's drag sets it (Lumino's
 * `SplitLayout.moveHandle`, which the shell saves as a layout change), and the
 * width last seen while this panel was shown is kept in the state database
 * (`IStateDB`, stored with the workspace) to give it back when it is shown again.
 */
import { IStateDB } from '@jupyterlab/statedb';
import { Debouncer } from '@lumino/polling';
import { SplitLayout, SplitPanel, Widget } from '@lumino/widgets';

/** The width the sidebar opens at until the user gives it another one, in CSS pixels. */
export const DEFAULT_SIDEBAR_WIDTH = 360;

/** Where the width is kept in the state database. */
const STATE_KEY = 'lifecycle-lab:sidebar-width';

/** The horizontal split panel holding the side area `widget` is in, and that area's index in it. */
function sideArea(widget: Widget): { split: SplitPanel; index: number } | null {
  let child: Widget = widget;
  for (let parent = widget.parent; parent; child = parent, parent = parent.parent) {
    if (parent instanceof SplitPanel && parent.orientation === 'horizontal') {
      const index = parent.widgets.indexOf(child);
      return index < 0 ? null : { split: parent, index };
    }
  }
  return null;
}

/** The width of the side area holding `widget` (0 while hidden or outside a split panel). */
export function sideAreaWidth(widget: Widget): number {
  const area = sideArea(widget);
  return area ? area.split.widgets[area.index].node.getBoundingClientRect().width : 0;
}

/**
 * Make the side area holding `widget` `width` pixels wide by moving its split
 * handle (the left handle of a right-hand area). False when it cannot (hidden,
 * not in a split panel) or already is.
 */
export function setSideAreaWidth(widget: Widget, width: number): boolean {
  const area = sideArea(widget);
  const current = sideAreaWidth(widget);
  const delta = Math.round(width - current);
  if (!area || current === 0 || Math.abs(delta) < 2) {
    return false;
  }
  const rightHand = area.index > 0 && area.index === area.split.widgets.length - 1;
  const handle = rightHand ? area.index - 1 : area.index;
  const position = area.split.handles[handle].offsetLeft + (rightHand ? -delta : delta);
  (area.split.layout as SplitLayout).moveHandle(handle, position);
  return true;
}

/** Gives the sidebar its width when shown and remembers the width the user gives it. */
export class SidebarWidth {
  constructor(widget: Widget, state: IStateDB | null) {
    this._widget = widget;
    this._state = state;
    this._save = new Debouncer(() => this._store(), 500);
  }

  /** The panel is shown (and the shell's layout restored): the remembered width, or the default. */
  async shown(): Promise<void> {
    if (this._applied || this._applying) {
      return;
    }
    this._applying = true;
    try {
      const saved = this._state ? await this._state.fetch(STATE_KEY) : undefined;
      await new Promise(resolve => requestAnimationFrame(resolve));
      const current = sideAreaWidth(this._widget);
      if (current === 0 || !this._widget.isVisible) {
        return; // hidden again before it was laid out: try at the next show
      }
      if (typeof saved === 'number') {
        setSideAreaWidth(this._widget, saved);
      } else if (current < DEFAULT_SIDEBAR_WIDTH) {
        setSideAreaWidth(this._widget, DEFAULT_SIDEBAR_WIDTH); // never narrow a side area the user widened
      }
      this._applied = true;
    } finally {
      this._applying = false;
    }
  }

  /** The panel was resized while shown: remember its width (a moment after the drag ends). */
  resized(): void {
    if (this._applied && this._widget.isVisible) {
      void this._save.invoke();
    }
  }

  dispose(): void {
    this._save.dispose();
  }

  private async _store(): Promise<void> {
    const width = Math.round(sideAreaWidth(this._widget));
    if (this._state && width > 0 && this._widget.isVisible) {
      await this._state.save(STATE_KEY, width);
    }
  }

  private _widget: Widget;
  private _state: IStateDB | null;
  private _save: Debouncer;
  private _applied = false;
  private _applying = false;
}
