/**
 * "Lifecycle 42% · blocked" in the status bar; in a shell without one
 * (Notebook 7), in its top area, by the notebook's title.
 */
import { JupyterFrontEnd, JupyterFrontEndPlugin } from '@jupyterlab/application';
import { IStatusBar } from '@jupyterlab/statusbar';
import { ITranslator, nullTranslator } from '@jupyterlab/translation';

import { ILifecycleModel } from '../tokens';
import { LifecycleStatus } from '../widgets/status';
import { CommandIDs, TRANSLATION_DOMAIN } from './tokens';

export const statusPlugin: JupyterFrontEndPlugin<void> = {
  id: 'lifecycle-lab:status',
  description: 'Shows the lifecycle progress and gate status in the status bar (Notebook 7: its top area).',
  autoStart: true,
  requires: [ILifecycleModel],
  optional: [IStatusBar, ITranslator],
  activate: (
    app: JupyterFrontEnd,
    model: ILifecycleModel,
    statusBar: IStatusBar | null,
    translator: ITranslator | null
  ) => {
    const trans = (translator ?? nullTranslator).load(TRANSLATION_DOMAIN);
    const item = new LifecycleStatus(model, trans, () => void app.commands.execute(CommandIDs.open));
    if (statusBar) {
      statusBar.registerStatusItem('lifecycle-lab:status', {
        item,
        align: 'left',
        rank: 50,
        isActive: () => model.view !== null,
        activeStateChanged: model.changed
      });
      return;
    }
    item.id = 'lifecycle-lab-status';
    item.addClass('jp-LifecycleLab-statusItem-top');
    app.shell.add(item, 'top', { rank: 900 });
  }
};
