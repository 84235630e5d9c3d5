import {
  ILabShell,
  ILayoutRestorer,
  JupyterFrontEnd,
  JupyterFrontEndPlugin
} from '@jupyterlab/application';
import { ICommandPalette, MainAreaWidget } from '@jupyterlab/apputils';
import { PathExt } from '@jupyterlab/coreutils';
import { IDocumentManager } from '@jupyterlab/docmanager';
import { IDefaultFileBrowser } from '@jupyterlab/filebrowser';
import { ISettingRegistry } from '@jupyterlab/settingregistry';
import { IStatusBar } from '@jupyterlab/statusbar';
import { ITranslator, nullTranslator } from '@jupyterlab/translation';
import { find } from '@lumino/algorithm';
import { Widget } from '@lumino/widgets';

import { LifecycleClient } from './api';
import { formatLabel } from './components/labels';
import { SidebarActions } from './components/Sidebar';
import { saveFile } from './download';
import { ExecutedNotebooksDrive, executedNotebookPath, isExecutedNotebookPath } from './drive';
import { lifecycleIcon } from './icon';
import { LintFinding } from './lint';
import { DEFAULT_SETTINGS, LifecycleModel } from './model';
import { LintClient, LintModel } from './models/lint';
import { EXPORT_FORMATS, ExportFormat, ILifecycleModel, Run, RunNotebook } from './tokens';
import { createAuditWidget } from './widgets/audit';
import { createDiffWidget } from './widgets/diff';
import { LifecycleSidebar } from './widgets/sidebar';
import { LifecycleStatus } from './widgets/status';

/** The parts of a notebook panel the jump to a finding's cell uses (no dependency on @jupyterlab/notebook). */
interface NotebookLike {
  revealed?: Promise<void>;
  content?: {
    activeCellIndex: number;
    mode: string;
    widgets: readonly Widget[];
    scrollToItem?: (index: number, behavior?: 'auto' | 'smart' | 'center' | 'start' | 'end') => Promise<void>;
  };
}

/** Make cell `index` of an opened notebook the active one and bring it into view. */
async function revealCell(widget: Widget, index: number): Promise<void> {
  const panel = widget as Widget & NotebookLike;
  await panel.revealed;
  const notebook = panel.content;
  if (!notebook || index >= notebook.widgets.length) {
    return;
  }
  notebook.activeCellIndex = index;
  notebook.mode = 'command';
  if (notebook.scrollToItem) {
    await notebook.scrollToItem(index, 'center');
  } else {
    notebook.widgets[index].node.scrollIntoView({ block: 'center' });
  }
  widget.node.focus();
}

/** The id of the main plugin; also the key of its settings schema (`schema/plugin.json`). */
const PLUGIN_ID = 'lifecycle-lab:plugin';

/** The gettext domain of the extension's strings. */
const TRANSLATION_DOMAIN = 'lifecycle_lab';

export namespace CommandIDs {
  export const open = 'lifecycle-lab:open';
  export const rerun = 'lifecycle-lab:rerun';
  export const exportReport = 'lifecycle-lab:export';
  export const audit = 'lifecycle-lab:audit';
}

/**
 * The Lifecycle sidebar: follows the active notebook (or the file browser's
 * folder) to its project; commands to open it, rerun, export and audit.
 */
const sidebarPlugin: JupyterFrontEndPlugin<ILifecycleModel> = {
  id: PLUGIN_ID,
  description: 'A living model-lifecycle checklist: the Lifecycle sidebar and its commands.',
  autoStart: true,
  provides: ILifecycleModel,
  requires: [IDocumentManager],
  optional: [ILabShell, IDefaultFileBrowser, ILayoutRestorer, ISettingRegistry, ITranslator, ICommandPalette],
  activate: (
    app: JupyterFrontEnd,
    docManager: IDocumentManager,
    labShell: ILabShell | null,
    browser: IDefaultFileBrowser | null,
    restorer: ILayoutRestorer | null,
    settingRegistry: ISettingRegistry | null,
    translator: ITranslator | null,
    palette: ICommandPalette | null
  ): ILifecycleModel => {
    const trans = (translator ?? nullTranslator).load(TRANSLATION_DOMAIN);
    const client = new LifecycleClient(app.serviceManager.serverSettings);
    const model = new LifecycleModel(client);
    const contents = app.serviceManager.contents;
    // Executed notebooks live in the project's hidden `.lifecycle/runs/`: a read-only drive serves them.
    contents.addDrive(
      new ExecutedNotebooksDrive({ api: client, serverSettings: app.serviceManager.serverSettings, trans })
    );

    const mainWidget = (id: string) => find(app.shell.widgets('main'), widget => widget.id === id);
    const showInMain = (widget: Widget) => {
      if (!widget.isAttached) {
        app.shell.add(widget, 'main');
      }
      app.shell.activateById(widget.id);
    };

    const lint = new LintModel(new LintClient(app.serviceManager.serverSettings), () => model.project?.id ?? null);
    let linted: string | null = null;
    model.changed.connect(() => {
      const projectId = model.project?.id ?? null;
      if (projectId !== linted) {
        linted = projectId;
        lint.clear();
        void lint.load();
      }
    });

    const actions: SidebarActions = {
      lint,
      jumpToFinding: async (finding: LintFinding) => {
        const project = model.project;
        if (!project || finding.cell === null) {
          return;
        }
        const widget = docManager.openOrReveal(PathExt.join(project.path, finding.path));
        if (!widget) {
          return;
        }
        await widget.context.ready;
        await revealCell(widget, finding.cell);
      },
      openExecuted: async (run: Run, notebook: RunNotebook) => {
        const path = model.project ? executedNotebookPath(model.project.id, run, notebook) : null;
        const widget = path ? docManager.openOrReveal(path) : undefined;
        if (widget) {
          // A record of the run, not a notebook to work in: it opens without a kernel.
          const session = widget.context.sessionContext;
          session.kernelPreference = { ...session.kernelPreference, shouldStart: false, canStart: false };
        }
      },
      showDiff: (run, notebook) => {
        const id = `lifecycle-lab-diff-${run.id}-${notebook.position}`;
        const onOpen = notebook.output_path ? () => void actions.openExecuted(run, notebook) : null;
        showInMain(mainWidget(id) ?? createDiffWidget(run, notebook, trans, onOpen));
      },
      exportProject: async (format: ExportFormat) => {
        saveFile(await model.exportProject(format));
      },
      showAudit: () => {
        const existing = mainWidget('lifecycle-lab-audit') as MainAreaWidget | undefined;
        if (existing) {
          void model.loadAudit();
          showInMain(existing);
        } else {
          showInMain(createAuditWidget(model, trans));
        }
      }
    };

    const sidebar = new LifecycleSidebar(model, actions, trans);
    app.shell.add(sidebar, 'left', { rank: 900 });
    restorer?.add(sidebar, sidebar.id);

    // --- follow the user ---------------------------------------------------------------------
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
    labShell?.currentChanged.connect(followCurrent);
    browser?.model.pathChanged.connect(() => {
      const widget = app.shell.currentWidget;
      if (!widget || !docManager.contextForWidget(widget)) {
        followFolder();
      }
    });
    void app.restored.then(followCurrent);

    // --- commands ----------------------------------------------------------------------------
    const hasProject = () => model.view !== null;
    app.commands.addCommand(CommandIDs.open, {
      label: trans.__('Open Lifecycle Checklist'),
      caption: trans.__('Show the lifecycle checklist of the active notebook or folder'),
      icon: lifecycleIcon,
      execute: () => app.shell.activateById(sidebar.id)
    });
    app.commands.addCommand(CommandIDs.rerun, {
      label: trans.__('Rerun Project Notebooks for Reproducibility'),
      caption: trans.__("Execute the project's notebooks again and compare their outputs"),
      isEnabled: () => hasProject() && !model.currentRun?.active,
      execute: async () => {
        app.shell.activateById(sidebar.id);
        await model.startRun();
      }
    });
    app.commands.addCommand(CommandIDs.exportReport, {
      label: args =>
        trans.__('Export Lifecycle Report as %1', formatLabel(trans, (args.format as ExportFormat) ?? 'pdf')),
      caption: trans.__('Download the checklist, sign-offs and audit trail'),
      isEnabled: hasProject,
      execute: args => actions.exportProject((args.format as ExportFormat) ?? 'pdf')
    });
    app.commands.addCommand(CommandIDs.audit, {
      label: trans.__('Show Lifecycle Audit Log'),
      caption: trans.__('The audit log of the project, with its hash chain verified'),
      isEnabled: hasProject,
      execute: () => actions.showAudit()
    });
    model.changed.connect(() => {
      for (const id of [CommandIDs.rerun, CommandIDs.exportReport, CommandIDs.audit]) {
        app.commands.notifyCommandChanged(id);
      }
    });

    if (palette) {
      const category = trans.__('Lifecycle');
      palette.addItem({ command: CommandIDs.open, category });
      palette.addItem({ command: CommandIDs.rerun, category });
      for (const format of EXPORT_FORMATS) {
        palette.addItem({ command: CommandIDs.exportReport, category, args: { format } });
      }
      palette.addItem({ command: CommandIDs.audit, category });
    }

    // --- settings ----------------------------------------------------------------------------
    if (settingRegistry) {
      const apply = (settings: ISettingRegistry.ISettings) => {
        const seconds = settings.get('refreshInterval').composite as number;
        model.settings = {
          refreshInterval: (seconds ?? DEFAULT_SETTINGS.refreshInterval / 1000) * 1000,
          defaultTemplate: (settings.get('defaultTemplate').composite as string) || DEFAULT_SETTINGS.defaultTemplate,
          showDone: (settings.get('showDone').composite as boolean) ?? DEFAULT_SETTINGS.showDone
        };
      };
      settingRegistry
        .load(PLUGIN_ID)
        .then(settings => {
          apply(settings);
          settings.changed.connect(apply);
        })
        .catch(reason => console.error(`Failed to load settings for ${PLUGIN_ID}.`, reason));
    }

    return model;
  }
};

/** "Lifecycle 42% · blocked" in the status bar. */
const statusPlugin: JupyterFrontEndPlugin<void> = {
  id: 'lifecycle-lab:status',
  description: 'Shows the lifecycle progress and gate status in the status bar.',
  autoStart: true,
  requires: [ILifecycleModel, IStatusBar],
  optional: [ITranslator],
  activate: (app: JupyterFrontEnd, model: ILifecycleModel, statusBar: IStatusBar, translator: ITranslator | null) => {
    const trans = (translator ?? nullTranslator).load(TRANSLATION_DOMAIN);
    const item = new LifecycleStatus(model, trans, () => void app.commands.execute(CommandIDs.open));
    statusBar.registerStatusItem('lifecycle-lab:status', {
      item,
      align: 'left',
      rank: 50,
      isActive: () => model.view !== null,
      activeStateChanged: model.changed
    });
  }
};

export default [sidebarPlugin, statusPlugin];
