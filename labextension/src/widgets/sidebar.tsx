import * as React from 'react';

import { IStateDB } from '@jupyterlab/statedb';
import { TranslationBundle } from '@jupyterlab/translation';
import { ReactWidget, UseSignal } from '@jupyterlab/ui-components';
import { Message } from '@lumino/messaging';
import { Widget } from '@lumino/widgets';

import { SidebarActions, Sidebar } from '../components/Sidebar';
import { lifecycleIcon } from '../icon';
import { LifecycleModel } from '../model';
import { SidebarWidth } from './width';

/** The id of the sidebar widget (also its key in the layout restorer). */
export const SIDEBAR_ID = 'lifecycle-lab-sidebar';

/** How much slower the change feed is polled while the sidebar is hidden (the status bar still shows it). */
const HIDDEN_SLOWDOWN = 5;

/**
 * The left-area Lifecycle panel: renders the model and polls the change feed
 * quickly while shown, slowly while hidden, not at all while the page is hidden.
 * Once `keepWidth` is called it opens about 360 px wide and keeps the user's width.
 */
export class LifecycleSidebar extends ReactWidget {
  constructor(
    readonly model: LifecycleModel,
    private readonly _actions: SidebarActions,
    private readonly _trans: TranslationBundle
  ) {
    super();
    this.id = SIDEBAR_ID;
    this.addClass('jp-LifecycleLab-sidebar');
    this.title.icon = lifecycleIcon;
    this.title.caption = _trans.__('Lifecycle checklist');
    this.node.setAttribute('role', 'region');
    this.node.setAttribute('aria-label', _trans.__('Lifecycle checklist'));
    document.addEventListener('visibilitychange', this._onPageVisibility);
    this._updatePolling();
  }

  dispose(): void {
    document.removeEventListener('visibilitychange', this._onPageVisibility);
    this._width?.dispose();
    super.dispose();
  }

  /**
   * Give the sidebar its width whenever it is shown, and remember the width the
   * user gives it in `state`; call once the shell has restored its layout.
   */
  keepWidth(state: IStateDB | null): void {
    this._width = new SidebarWidth(this, state);
    if (this.isVisible) {
      void this._width.shown();
    }
  }

  protected onAfterShow(msg: Message): void {
    super.onAfterShow(msg);
    this._updatePolling();
    void this._width?.shown();
  }

  protected onResize(msg: Widget.ResizeMessage): void {
    super.onResize(msg);
    this._width?.resized();
  }

  protected onAfterHide(msg: Message): void {
    super.onAfterHide(msg);
    this._updatePolling();
  }

  protected render(): JSX.Element {
    return (
      <UseSignal signal={this.model.changed}>
        {() => <Sidebar model={this.model} actions={this._actions} trans={this._trans} />}
      </UseSignal>
    );
  }

  private _updatePolling(): void {
    if (document.visibilityState === 'hidden') {
      this.model.setPolling(null);
    } else {
      this.model.setPolling(this.isVisible ? 1 : HIDDEN_SLOWDOWN);
    }
  }

  private _onPageVisibility = (): void => this._updatePolling();
  private _width: SidebarWidth | null = null;
}
