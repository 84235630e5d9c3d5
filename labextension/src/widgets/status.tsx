import * as React from 'react';

import { TranslationBundle } from '@jupyterlab/translation';
import { ReactWidget, UseSignal } from '@jupyterlab/ui-components';

import { ILifecycleModel } from '../tokens';

/** "Lifecycle 42% · blocked" in the status bar; a click opens the sidebar. */
export class LifecycleStatus extends ReactWidget {
  constructor(
    private readonly _model: ILifecycleModel,
    private readonly _trans: TranslationBundle,
    private readonly _onClick: () => void
  ) {
    super();
    this.addClass('jp-LifecycleLab-statusItem');
  }

  protected render(): JSX.Element {
    const trans = this._trans;
    return (
      <UseSignal signal={this._model.changed}>
        {() => {
          const view = this._model.view;
          if (!view) {
            return <span />;
          }
          const text = trans.__(
            'Lifecycle %1% · %2',
            view.progress.overall.percent,
            view.ready ? trans.__('ready') : trans.__('blocked')
          );
          return (
            <button
              type="button"
              className="jp-LifecycleLab-statusButton"
              title={trans.__('%1: open the lifecycle checklist', view.project.name)}
              onClick={this._onClick}
            >
              {text}
            </button>
          );
        }}
      </UseSignal>
    );
  }
}
