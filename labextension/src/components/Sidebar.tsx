import * as React from 'react';

import { TranslationBundle } from '@jupyterlab/translation';

import { DATA_MARK, LifecycleModel, RENDER_MARK, RENDER_MEASURE } from '../model';
import { ExportFormat, ProjectView } from '../tokens';
import { AnchorNote } from './AuditLog';
import { ExportControl } from './ExportControl';
import { FilterBar, Header } from './Header';
import { IdentityNotice } from './Identity';
import { InitProject } from './InitProject';
import { LintSection, LintSectionActions } from './LintSection';
import { RerunActions, RerunPanel } from './RerunPanel';
import { StageSection } from './StageSection';

export interface SidebarActions extends RerunActions, LintSectionActions {
  exportProject: (format: ExportFormat) => Promise<void>;
  showAudit: () => void;
}

/** Marks the first render of each view that arrives, for the benchmark. */
function useRenderMark(view: ProjectView): void {
  React.useEffect(() => {
    const latest = (name: string) => performance.getEntriesByName(name, 'mark').pop()?.startTime ?? -1;
    // Only views that came from the server count, not items patched in locally after a write.
    if (latest(DATA_MARK) > latest(RENDER_MARK)) {
      performance.mark(RENDER_MARK);
      performance.measure(RENDER_MEASURE, DATA_MARK, RENDER_MARK);
    }
  }, [view]);
}

function ProjectPanel(props: {
  model: LifecycleModel;
  view: ProjectView;
  actions: SidebarActions;
  trans: TranslationBundle;
}): JSX.Element {
  const { model, view, actions, trans } = props;
  useRenderMark(view);
  const overdue = React.useMemo(() => new Set(view.overdue), [view.overdue]);
  return (
    <>
      <Header view={view} trans={trans} />
      <div className="jp-LifecycleLab-anchor">
        <AnchorNote anchor={model.auditAnchor} trans={trans} problemsOnly />
      </div>
      <IdentityNotice model={model} view={view} trans={trans} />
      <div className="jp-LifecycleLab-toolbar">
        <ExportControl trans={trans} onExport={actions.exportProject} />
        <button type="button" className="jp-mod-styled" onClick={actions.showAudit}>
          {trans.__('Audit log')}
        </button>
      </div>
      <RerunPanel model={model} project={view.project} actions={actions} trans={trans} />
      <LintSection actions={actions} run={model.comparedRun} trans={trans} />
      <FilterBar model={model} trans={trans} />
      <div className="jp-LifecycleLab-stages">
        {view.template.stages.map(stage => (
          <StageSection key={stage.id} model={model} view={view} stage={stage} overdue={overdue} trans={trans} />
        ))}
      </div>
    </>
  );
}

/** The whole sidebar: the project of the active notebook or folder, or a way to start one. */
export function Sidebar(props: {
  model: LifecycleModel;
  actions: SidebarActions;
  trans: TranslationBundle;
}): JSX.Element {
  const { model, actions, trans } = props;
  const view = model.view;
  return (
    <div className="jp-LifecycleLab-content" data-status={model.status}>
      {model.error && (
        <div className="jp-LifecycleLab-error" role="alert">
          {model.error}
        </div>
      )}
      {model.status === 'idle' && <p className="jp-LifecycleLab-muted">{trans.__('Open a notebook or a folder.')}</p>}
      {model.status === 'loading' && !view && <p className="jp-LifecycleLab-muted">{trans.__('Loading…')}</p>}
      {model.status === 'none' && <InitProject model={model} trans={trans} />}
      {view && model.status === 'ready' && <ProjectPanel model={model} view={view} actions={actions} trans={trans} />}
    </div>
  );
}
