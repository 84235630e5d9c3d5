import * as React from 'react';

import { TranslationBundle } from '@jupyterlab/translation';

import { differingCells } from '../diff';
import { workerText } from '../schedule';
import { LifecycleModel } from '../model';
import { PASSING_VERDICTS, Project, Run, RunNotebook } from '../tokens';
import { badgeClass, formatTime, personShown, runLabel, runStatusLabel, verdictLabel } from './labels';

export interface RerunActions {
  /** Open the notebook as the run executed it, read-only, in JupyterLab. */
  openExecuted: (run: Run, notebook: RunNotebook) => Promise<void>;
  /** Show a notebook's differences in the main area. */
  showDiff: (run: Run, notebook: RunNotebook) => void;
}

function verdictClass(verdict: string | null): string {
  if (verdict === null) {
    return 'jp-LifecycleLab-badge';
  }
  return badgeClass(PASSING_VERDICTS.has(verdict));
}

/**
 * The reproducibility rerun: one button, live progress per notebook, the
 * verdicts with their differences, cancel, and the history of runs.
 */
/** One option of the next rerun (a labelled checkbox next to the Rerun button). */
function RunOption(props: {
  label: string;
  title: string;
  checked: boolean;
  disabled: boolean;
  onChange: (checked: boolean) => void;
}): JSX.Element {
  return (
    <label className="jp-LifecycleLab-twice" title={props.title}>
      <input
        type="checkbox"
        checked={props.checked}
        disabled={props.disabled}
        onChange={event => props.onChange(event.currentTarget.checked)}
      />{' '}
      {props.label}
    </label>
  );
}

export function RerunPanel(props: {
  model: LifecycleModel;
  project: Project;
  actions: RerunActions;
  trans: TranslationBundle;
}): JSX.Element {
  const { model, project, actions, trans } = props;
  const run = model.currentRun;
  const active = run?.active ?? false;
  const [starting, setStarting] = React.useState(false);
  // Kept in the model, not in this component, so a re-render of the sidebar does not untick them.
  const options = model.runOptions;
  // One summary line until asked for more (or while a run started here is under way), so the stages
  // stay on the first screen.
  const [expanded, setExpanded] = React.useState(false);
  const open = expanded || active;

  return (
    <section className="jp-LifecycleLab-rerun" aria-label={trans.__('Reproducibility rerun')}>
      <div className="jp-LifecycleLab-rerunActions">
        <button
          type="button"
          className="jp-mod-styled jp-mod-accept"
          disabled={active || starting || project.notebooks.length === 0}
          title={trans.__('Execute %1 again and compare the outputs', project.notebooks.join(', '))}
          onClick={async () => {
            setStarting(true);
            setExpanded(true);
            await model.startRun();
            setStarting(false);
          }}
        >
          {trans.__('Rerun notebooks')}
        </button>
        <RunOption
          label={trans.__('Twice')}
          title={trans.__('Run each notebook twice from scratch and compare the two runs (finds nondeterminism)')}
          checked={options.twice ?? false}
          disabled={active || starting}
          onChange={twice => {
            model.runOptions = { ...options, twice };
          }}
        />
        <RunOption
          label={trans.__('Sandbox')}
          title={trans.__("Execute in a temporary copy of the project, so the project's files stay untouched")}
          checked={options.sandbox ?? false}
          disabled={active || starting}
          onChange={sandbox => {
            model.runOptions = { ...options, sandbox };
          }}
        />
        {active && (
          <button type="button" className="jp-mod-styled jp-mod-warn" onClick={() => void model.cancelRun()}>
            {trans.__('Cancel run')}
          </button>
        )}
      </div>
      {project.notebooks.length === 0 && (
        <p className="jp-LifecycleLab-muted">{trans.__('The manifest lists no notebooks to rerun.')}</p>
      )}
      {model.runError && (
        <div className="jp-LifecycleLab-error" role="alert">
          {model.runError}
        </div>
      )}
      {run && (
        <RunDetails run={run} actions={actions} trans={trans} open={open} onToggle={() => setExpanded(!open)} />
      )}
      {open && model.runs.length > 0 && (
        <details className="jp-LifecycleLab-runHistory">
          <summary>{trans._n('%1 run', '%1 runs', model.runs.length)}</summary>
          <ul>
            {model.runs.map(r => (
              <li key={r.id}>
                <button
                  type="button"
                  className="jp-LifecycleLab-linkButton"
                  aria-current={r.id === run?.id}
                  onClick={() => void model.selectRun(r.id)}
                >
                  {formatTime(r.created_at)}
                </button>{' '}
                <span className={verdictClass(r.verdict)}>
                  {runLabel(trans, r)}
                </span>{' '}
                <span className="jp-LifecycleLab-muted">{r.requested_by}</span>
              </li>
            ))}
          </ul>
        </details>
      )}
    </section>
  );
}

function RunDetails(props: {
  run: Run;
  actions: RerunActions;
  trans: TranslationBundle;
  open: boolean;
  onToggle: () => void;
}): JSX.Element {
  const { run, actions, trans, open, onToggle } = props;
  return (
    <div className="jp-LifecycleLab-run" data-run={run.id} aria-live="polite">
      <div className="jp-LifecycleLab-runSummary">
        <span className="jp-LifecycleLab-muted">{trans.__('Last rerun')}</span>{' '}
        <span className={verdictClass(run.active ? null : run.verdict)} data-verdict={run.verdict ?? ''}>
          {runLabel(trans, run)}
        </span>{' '}
        <span className="jp-LifecycleLab-muted">
          {trans.__('%1 by %2', formatTime(run.created_at), personShown(run.requested_by))}
        </span>{' '}
        <button type="button" className="jp-LifecycleLab-linkButton" aria-expanded={open} onClick={onToggle}>
          {open ? trans.__('Hide run details') : trans.__('Show run details')}
        </button>
      </div>
      {open && run.error && <div className="jp-LifecycleLab-warning">{run.error}</div>}
      {open && (
      <ul className="jp-LifecycleLab-runNotebooks">
        {run.notebooks.map(notebook => {
          const differing = differingCells(notebook).length;
          const executed = notebook.output_path !== null;
          return (
            <li key={notebook.position} data-notebook={notebook.path}>
              <div className="jp-LifecycleLab-runNotebook">
                <span className="jp-LifecycleLab-path">{notebook.path}</span>
                {notebook.verdict && !run.active ? (
                  <span className={verdictClass(notebook.verdict)}>{verdictLabel(trans, notebook.verdict)}</span>
                ) : (
                  <span className="jp-LifecycleLab-muted">{runStatusLabel(trans, notebook.status)}</span>
                )}
              </div>
              <div className="jp-LifecycleLab-cells">
                <progress
                  max={Math.max(notebook.cells_total, 1)}
                  value={notebook.cells_done}
                  aria-label={trans.__('Cells of %1 executed', notebook.path)}
                />
                <span className="jp-LifecycleLab-cellCount">
                  {trans.__('%1 / %2 cells', notebook.cells_done, notebook.cells_total)}
                </span>
              </div>
              {workerText(trans, notebook) && (
                <div className="jp-LifecycleLab-muted jp-LifecycleLab-worker">{workerText(trans, notebook)}</div>
              )}
              {notebook.error && <div className="jp-LifecycleLab-warning">{notebook.error.message}</div>}
              <div className="jp-LifecycleLab-runLinks">
                {differing > 0 && (
                  <button
                    type="button"
                    className="jp-LifecycleLab-linkButton"
                    onClick={() => actions.showDiff(run, notebook)}
                  >
                    {trans._n('Show %1 differing cell', 'Show %1 differing cells', differing)}
                  </button>
                )}
                {executed && !run.active && (
                  <button
                    type="button"
                    className="jp-LifecycleLab-linkButton"
                    onClick={() => void actions.openExecuted(run, notebook)}
                  >
                    {trans.__('Open executed notebook')}
                  </button>
                )}
              </div>
            </li>
          );
        })}
      </ul>
      )}
    </div>
  );
}
