import {
  ILayoutRestorer,
  JupyterFrontEnd,
  JupyterFrontEndPlugin
} from '@jupyterlab/application';
import { ISettingRegistry } from '@jupyterlab/settingregistry';
import { ITranslator, nullTranslator } from '@jupyterlab/translation';

import { LifecycleSidebar } from './sidebar';

/**
 * The id of the main plugin; it is also the key of its settings schema
 * (`schema/plugin.json`).
 */
const PLUGIN_ID = 'lifecycle-lab:plugin';

/**
 * The gettext domain of the extension's strings.
 */
const TRANSLATION_DOMAIN = 'lifecycle_lab';

/**
 * Adds the Lifecycle sidebar (a placeholder for now) to the left area.
 */
const plugin: JupyterFrontEndPlugin<void> = {
  id: PLUGIN_ID,
  description:
    'A living model-lifecycle checklist: adds the Lifecycle sidebar.',
  autoStart: true,
  optional: [ILayoutRestorer, ISettingRegistry, ITranslator],
  activate: (
    app: JupyterFrontEnd,
    restorer: ILayoutRestorer | null,
    settingRegistry: ISettingRegistry | null,
    translator: ITranslator | null
  ): void => {
    const trans = (translator ?? nullTranslator).load(TRANSLATION_DOMAIN);

    const sidebar = new LifecycleSidebar(trans);
    app.shell.add(sidebar, 'left', { rank: 900 });
    if (restorer) {
      restorer.add(sidebar, sidebar.id);
    }

    if (settingRegistry) {
      settingRegistry.load(PLUGIN_ID).catch(reason => {
        console.error(`Failed to load settings for ${PLUGIN_ID}.`, reason);
      });
    }
  }
};

export default plugin;
