/**
 * What the extension's own plugins share: the sidebar's model, its actions and
 * its translation bundle. Internal to this extension; other extensions use
 * `ILifecycleModel` (`../tokens`).
 */
import { TranslationBundle } from '@jupyterlab/translation';
import { Token } from '@lumino/coreutils';

import { SidebarActions } from '../components/Sidebar';
import { LifecycleModel } from '../model';

/** The id of the sidebar plugin; also the key of the settings schema (`schema/plugin.json`). */
export const PLUGIN_ID = 'lifecycle-lab:plugin';

/** The gettext domain of the extension's strings. */
export const TRANSLATION_DOMAIN = 'lifecycle_lab';

export namespace CommandIDs {
  export const open = 'lifecycle-lab:open';
  export const rerun = 'lifecycle-lab:rerun';
  export const exportReport = 'lifecycle-lab:export';
  export const audit = 'lifecycle-lab:audit';
}

export interface ILifecycleSidebar {
  readonly model: LifecycleModel;
  readonly actions: SidebarActions;
  /** The sidebar widget's id (to activate it). */
  readonly id: string;
  readonly trans: TranslationBundle;
}

export const ILifecycleSidebar = new Token<ILifecycleSidebar>(
  'lifecycle-lab:ILifecycleSidebar',
  'The Lifecycle sidebar, its model and its actions (for the extension’s own plugins).'
);
