/**
 * The sidebar follows the user: the active document's project, else the file
 * browser's folder.
 */
import { JupyterFrontEnd, JupyterFrontEndPlugin } from '@jupyterlab/application';
import { PathExt } from '@jupyterlab/coreutils';
import { IDocumentManager } from '@jupyterlab/docmanager';
import { IDefaultFileBrowser } from '@jupyterlab/filebrowser';
import { Widget } from '@lumino/widgets';

import { isExecutedNotebookPath } from '../drive';
import { ILifecycleSidebar } from './tokens';

export const followPlugin: JupyterFrontEndPlugin<void> = {
  id: 'lifecycle-lab:follow',
  description: 'Shows the Lifecycle checklist of the active notebook or of the file browser’s folder.',
  autoStart: true,
  requires: [ILifecycleSidebar, IDocumentManager],
  optional: [IDefaultFileBrowser],
  activate: (
    app: JupyterFrontEnd,
    { model }: ILifecycleSidebar,
    docManager: IDocumentManager,
    browser: IDefaultFileBrowser | null
  ): void => {
    const contents = app.serviceManager.contents;
    const followDocument = (widget: Widget | null): boolean => {
      const context = widget ? docManager.contextForWidget(widget) : undefined;
      if (!context) {
        return false;
      }
      if (isExecutedNotebookPath(context.path)) {
        return true; // a run's executed notebook: its project is already the one shown
      }
      const path = contents.localPath(context.path);
      void model.setLocation({ path, folder: PathExt.dirname(path) });
      return true;
    };
    const followFolder = () => {
      if (browser) {
        const folder = contents.localPath(browser.model.path);
        void model.setLocation({ path: folder, folder });
      }
    };
    // A document shows its project; other main-area tabs (a launcher, a diff) keep the current one.
    const followCurrent = () => {
      const widget = app.shell.currentWidget;
      if (!followDocument(widget) && (!widget || model.location === null)) {
        followFolder();
      }
    };
    // JupyterLab's shell and Notebook 7's both say when the current widget changes.
    app.shell.currentChanged?.connect(followCurrent);
    browser?.model.pathChanged.connect(() => {
      const widget = app.shell.currentWidget;
      if (!widget || !docManager.contextForWidget(widget)) {
        followFolder();
      }
    });
    void app.restored.then(followCurrent);
  }
};
