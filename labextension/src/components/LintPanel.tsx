import * as React from 'react';

import { TranslationBundle } from '@jupyterlab/translation';

import { explainRun, findingPlace, findingsByFile, formatSize, LintFinding, LintReport, RunCells } from '../lint';

export interface LintActions {
  /** Lint the project's notebooks again. */
  refresh: () => Promise<void>;
  /** Open the finding's notebook and bring its cell into view, active. */
  jumpTo: (finding: LintFinding) => Promise<void>;
  /** Register every data file the lint found unregistered (fingerprinted as datasets). */
  registerData: () => Promise<void>;
}

const SEVERITY_CLASS: Record<LintFinding['severity'], string> = {
  error: 'jp-LifecycleLab-badge jp-LifecycleLab-badge-error',
  warning: 'jp-LifecycleLab-badge jp-LifecycleLab-badge-blocked',
  info: 'jp-LifecycleLab-badge'
};

/**
 * The reproducibility lint: one line of counts that opens on demand to the
 * findings per notebook, each with a jump to its cell, and why the rerun
 * differs; the data files read but not registered, registered in one click.
 */
export function LintPanel(props: {
  report: LintReport | null;
  error: string | null;
  /** The rerun shown in the sidebar (its differing cells are explained by the findings in them). */
  run: RunCells | null;
  actions: LintActions;
  trans: TranslationBundle;
}): JSX.Element {
  const { report, error, run, actions, trans } = props;
  const explained = explainRun(report, run);
  const [busy, setBusy] = React.useState(false);
  const [open, setOpen] = React.useState(false);
  const perform = async (action: () => Promise<void>): Promise<void> => {
    setBusy(true);
    try {
      await action();
    } finally {
      setBusy(false);
    }
  };
  const grouped = report ? findingsByFile(report) : new Map<string, LintFinding[]>();
  const unregistered = report?.unregistered ?? [];
  return (
    <section className="jp-LifecycleLab-lint" aria-label={trans.__('Reproducibility lint')}>
      <div className="jp-LifecycleLab-lintHeader">
        <button type="button" className="jp-mod-styled" disabled={busy} onClick={() => void perform(actions.refresh)}>
          {trans.__('Lint notebooks')}
        </button>{' '}
        {report && (
          <span className="jp-LifecycleLab-muted" data-lint-counts="">
            {report.findings.length === 0
              ? trans.__('No findings')
              : trans.__(
                  '%1 errors, %2 warnings, %3 notes',
                  report.counts.error,
                  report.counts.warning,
                  report.counts.info
                )}
          </span>
        )}{' '}
        {(grouped.size > 0 || explained.length > 0) && (
          <button type="button" className="jp-LifecycleLab-linkButton" aria-expanded={open} onClick={() => setOpen(!open)}>
            {open ? trans.__('Hide findings') : trans.__('Show findings')}
          </button>
        )}
      </div>
      {error && (
        <div className="jp-LifecycleLab-error" role="alert">
          {error}
        </div>
      )}
      {open && explained.length > 0 && (
        <div className="jp-LifecycleLab-lintExplains" data-lint-explains="">
          <strong>{trans.__('Why the rerun differs')}</strong>
          <ul>
            {explained.map(e => (
              <li key={`${e.path}:${e.index}`} data-explains={`${e.path}:${e.index}`}>
                <button
                  type="button"
                  className="jp-LifecycleLab-linkButton"
                  title={trans.__('Open %1 at this cell', e.path)}
                  onClick={() => void actions.jumpTo(e.findings[0])}
                >
                  {trans.__('%1 cell %2', e.path, e.index + 1)}
                </button>{' '}
                {e.findings.map(f => (
                  <div key={f.id}>
                    <code>{f.rule}</code> {f.message}
                  </div>
                ))}
              </li>
            ))}
          </ul>
        </div>
      )}
      {unregistered.length > 0 && (
        <div className="jp-LifecycleLab-lintData" role="status">
          <span>
            {trans._n(
              'Found %1 data file not registered',
              'Found %1 data files not registered',
              unregistered.length
            )}
          </span>{' '}
          <button
            type="button"
            className="jp-mod-styled jp-mod-accept"
            disabled={busy}
            title={unregistered.map(f => `${f.path} (${formatSize(f.size)}, ${f.reader})`).join('\n')}
            onClick={() => void perform(actions.registerData)}
          >
            {trans.__('Register')}
          </button>
          <ul className="jp-LifecycleLab-lintFiles">
            {unregistered.map(f => (
              <li key={f.path}>
                <span className="jp-LifecycleLab-path">{f.path}</span>{' '}
                <span className="jp-LifecycleLab-muted">
                  {formatSize(f.size)} · {f.reader}
                </span>
              </li>
            ))}
          </ul>
        </div>
      )}
      {open && [...grouped.entries()].map(([path, findings]) => (
        <details key={path} open className="jp-LifecycleLab-lintFile" data-lint-file={path}>
          <summary>
            <span className="jp-LifecycleLab-path">{path}</span>{' '}
            <span className="jp-LifecycleLab-muted">{trans._n('%1 finding', '%1 findings', findings.length)}</span>
          </summary>
          <ul>
            {findings.map(f => (
              <li key={f.id} className="jp-LifecycleLab-lintFinding" data-rule={f.rule} data-cell={f.cell ?? ''}>
                <span className={SEVERITY_CLASS[f.severity]}>{f.severity}</span>{' '}
                <code>{f.rule}</code>{' '}
                {f.cell !== null ? (
                  <button
                    type="button"
                    className="jp-LifecycleLab-linkButton"
                    title={trans.__('Open %1 at this cell', path)}
                    onClick={() => void actions.jumpTo(f)}
                  >
                    {findingPlace(f)}
                  </button>
                ) : null}
                <div>{f.message}</div>
                <div className="jp-LifecycleLab-muted">{trans.__('Fix: %1', f.fix)}</div>
              </li>
            ))}
          </ul>
        </details>
      ))}
    </section>
  );
}
