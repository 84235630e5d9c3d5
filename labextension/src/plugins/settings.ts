/**
 * The user's settings of the sidebar (`schema/plugin.json`), applied to the model as they change.
 */
import { JupyterFrontEnd, JupyterFrontEndPlugin } from '@jupyterlab/application';
import { ISettingRegistry } from '@jupyterlab/settingregistry';

import { DEFAULT_SETTINGS, ModelSettings } from '../model';
import { ILifecycleSidebar, PLUGIN_ID } from './tokens';

export const settingsPlugin: JupyterFrontEndPlugin<void> = {
  id: 'lifecycle-lab:settings',
  description: 'Applies the Lifecycle sidebar’s settings (refresh interval, default template, done items).',
  autoStart: true,
  requires: [ILifecycleSidebar, ISettingRegistry],
  activate: (_app: JupyterFrontEnd, { model }: ILifecycleSidebar, settingRegistry: ISettingRegistry): void => {
    const apply = (settings: ISettingRegistry.ISettings) => {
      model.settings = modelSettings(settings);
    };
    settingRegistry
      .load(PLUGIN_ID)
      .then(settings => {
        apply(settings);
        settings.changed.connect(apply);
      })
      .catch(reason => console.error(`Failed to load settings for ${PLUGIN_ID}.`, reason));
  }
};

/** The model's settings from the registry's (seconds there, milliseconds in the model). */
function modelSettings(settings: ISettingRegistry.ISettings): ModelSettings {
  const seconds = settings.get('refreshInterval').composite as number;
  return {
    refreshInterval: (seconds ?? DEFAULT_SETTINGS.refreshInterval / 1000) * 1000,
    defaultTemplate: (settings.get('defaultTemplate').composite as string) || DEFAULT_SETTINGS.defaultTemplate,
    showDone: (settings.get('showDone').composite as boolean) ?? DEFAULT_SETTINGS.showDone
  };
}
