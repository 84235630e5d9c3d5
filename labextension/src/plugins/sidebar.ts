/**
 * The Lifecycle sidebar: its model over the REST client, the read-only drive of
 * executed notebooks, the sidebar's actions and the widget in the left area.
 */
import { ILayoutRestorer, JupyterFrontEnd, JupyterFrontEndPlugin } from '@jupyterlab/application';
import { MainAreaWidget } from '@jupyterlab/apputils';
import { PathExt } from '@jupyterlab/coreutils';
import { IDocumentManager } from '@jupyterlab/docmanager';
import { IStateDB } from '@jupyterlab/statedb';
import { ITranslator, nullTranslator } from '@jupyterlab/translation';
import { find } from '@lumino/algorithm';
import { Widget } from '@lumino/widgets';

import { LifecycleClient } from '../api';
import { SidebarActions } from '../components/Sidebar';
import { saveFile } from '../download';
import { ExecutedNotebooksDrive, executedNotebookPath } from '../drive';
import { LintFinding } from '../lint';
import { LifecycleModel } from '../model';
import { LintClient, LintModel } from '../models/lint';
import { ExportFormat, ILifecycleModel, Run, RunNotebook } from '../tokens';
import { createAuditWidget } from '../widgets/audit';
import { createDiffWidget } from '../widgets/diff';
import { LifecycleSidebar } from '../widgets/sidebar';
import { ILifecycleSidebar, PLUGIN_ID, TRANSLATION_DOMAIN } from './tokens';

export const sidebarPlugin: JupyterFrontEndPlugin<ILifecycleSidebar> = {
  id: PLUGIN_ID,
  description: 'A living model-lifecycle checklist: the Lifecycle sidebar.',
  autoStart: true,
  provides: ILifecycleSidebar,
  requires: [IDocumentManager],
  optional: [ILayoutRestorer, ITranslator, IStateDB],
  activate: (
    app: JupyterFrontEnd,
    docManager: IDocumentManager,
    restorer: ILayoutRestorer | null,
    translator: ITranslator | null,
    state: IStateDB | null
  ): ILifecycleSidebar => {
    const trans = (translator ?? nullTranslator).load(TRANSLATION_DOMAIN);
    const client = new LifecycleClient(app.serviceManager.serverSettings);
    const model = new LifecycleModel(client);
    // Executed notebooks live in the project's hidden `.lifecycle/runs/`: a read-only drive serves them.
    app.serviceManager.contents.addDrive(
      new ExecutedNotebooksDrive({ api: client, serverSettings: app.serviceManager.serverSettings, trans })
    );
    const lint = new LintModel(new LintClient(app.serviceManager.serverSettings), () => model.project?.id ?? null);
    lintEachProject(model, lint);
    const actions = createActions(app, docManager, model, lint, trans);
    const sidebar = new LifecycleSidebar(model, actions, trans);
    app.shell.add(sidebar, 'left', { rank: 900 });
    restorer?.add(sidebar, sidebar.id);
    // After the shell has restored its layout (the side area's saved share), not before.
    void app.restored.then(() => sidebar.keepWidth(state));
    return { model, actions, id: sidebar.id, trans };
  }
};

/** The Lifecycle model for other plugins and extensions (the status bar item, for one). */
export const modelPlugin: JupyterFrontEndPlugin<ILifecycleModel> = {
  id: 'lifecycle-lab:model',
  description: 'Provides the Lifecycle checklist model of the active notebook or folder.',
  autoStart: true,
  provides: ILifecycleModel,
  requires: [ILifecycleSidebar],
  activate: (_app: JupyterFrontEnd, sidebar: ILifecycleSidebar): ILifecycleModel => sidebar.model
};

/** Lint each project as it is opened (the lint model has its own signal; the sidebar's lint section listens). */
function lintEachProject(model: LifecycleModel, lint: LintModel): void {
  let linted: string | null = null;
  model.changed.connect(() => {
    const projectId = model.project?.id ?? null;
    if (projectId !== linted) {
      linted = projectId;
      lint.clear();
      void lint.load();
    }
  });
}

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

/**
 * What the sidebar's buttons do outside it: open notebooks (at a lint finding's
 * cell), diffs and the audit log, save exports.
 */
function createActions(
  app: JupyterFrontEnd,
  docManager: IDocumentManager,
  model: LifecycleModel,
  lint: LintModel,
  trans: ILifecycleSidebar['trans']
): SidebarActions {
  const mainWidget = (id: string) => find(app.shell.widgets('main'), widget => widget.id === id);
  const showInMain = (widget: Widget) => {
    if (!widget.isAttached) {
      app.shell.add(widget, 'main');
    }
    if (!widget.isAttached) {
      // Notebook 7's main area holds its one document: the view goes to the area below it.
      app.shell.add(widget, 'down');
    }
    app.shell.activateById(widget.id);
  };
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
      // A record of the run, not a notebook to work in: it opens without a kernel. A widget being closed
      // (or a document without a session) has no session context to tell.
      const session = widget && !widget.isDisposed ? widget.context?.sessionContext : null;
      if (session && !session.isDisposed) {
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
  return actions;
}
