import * as React from 'react';

import { TranslationBundle } from '@jupyterlab/translation';
import { ReactWidget } from '@jupyterlab/ui-components';

import { lifecycleIcon } from './icon';

/**
 * The id of the Lifecycle sidebar widget (also used by the layout restorer).
 */
export const SIDEBAR_ID = 'lifecycle-lab-sidebar';

/**
 * Placeholder content of the Lifecycle sidebar. The real checklist
 * comes later; this only proves the front end is loaded.
 */
function SidebarPlaceholder(props: {
  trans: TranslationBundle;
}): JSX.Element {
  const { trans } = props;
  return (
    <>
      <h2 className="jp-LifecycleLab-sidebar-title">{trans.__('Lifecycle')}</h2>
      <p className="jp-LifecycleLab-sidebar-placeholder">
        {trans.__('The model-lifecycle checklist will appear here.')}
      </p>
    </>
  );
}

/**
 * The left-area Lifecycle panel.
 */
export class LifecycleSidebar extends ReactWidget {
  constructor(trans: TranslationBundle) {
    super();
    this._trans = trans;
    this.id = SIDEBAR_ID;
    this.addClass('jp-LifecycleLab-sidebar');
    this.title.icon = lifecycleIcon;
    this.title.caption = trans.__('Lifecycle');
  }

  protected render(): JSX.Element {
    return <SidebarPlaceholder trans={this._trans} />;
  }

  private _trans: TranslationBundle;
}
