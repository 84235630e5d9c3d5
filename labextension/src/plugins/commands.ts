/**
 * The Lifecycle commands (open, rerun, export, audit log) and their palette entries.
 */
import { JupyterFrontEnd, JupyterFrontEndPlugin } from '@jupyterlab/application';
import { ICommandPalette } from '@jupyterlab/apputils';

import { formatLabel } from '../components/labels';
import { lifecycleIcon } from '../icon';
import { EXPORT_FORMATS, ExportFormat } from '../tokens';
import { CommandIDs, ILifecycleSidebar } from './tokens';

export const commandsPlugin: JupyterFrontEndPlugin<void> = {
  id: 'lifecycle-lab:commands',
  description: 'The Lifecycle commands: open the checklist, rerun, export, show the audit log.',
  autoStart: true,
  requires: [ILifecycleSidebar],
  optional: [ICommandPalette],
  activate: (app: JupyterFrontEnd, sidebar: ILifecycleSidebar, palette: ICommandPalette | null): void => {
    const { model, actions, trans } = sidebar;
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
  }
};
