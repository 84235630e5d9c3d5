import * as React from 'react';

import { TranslationBundle } from '@jupyterlab/translation';

import { RunFileChanges, RunFileState, shortHash, sizeText } from '../runFiles';

function State(props: { state: RunFileState | null }): JSX.Element {
  const { state } = props;
  if (!state) {
    return <span className="jp-LifecycleLab-muted">—</span>;
  }
  return (
    <span title={state.sha256}>
      {sizeText(state.size)} · <code>{shortHash(state.sha256)}</code>
    </span>
  );
}

/**
 * The files a rerun created, changed or deleted, with size and sha256 before
 * and after; for a sandboxed run, what it wrote in the copy (the user's files
 * were not touched). Nothing for runs recorded before files were listed.
 */
export function RunFiles(props: {
  run: { id: string; files?: RunFileChanges | null };
  trans: TranslationBundle;
}): JSX.Element | null {
  const { run, trans } = props;
  const files = run.files;
  if (!files) {
    return null;
  }
  const sandbox = files.where === 'sandbox';
  const title = sandbox
    ? trans.__('Files written in the sandbox copy (your files were not touched)')
    : trans.__('Project files the rerun created or changed');
  const labels: Record<string, string> = {
    created: trans.__('created'),
    changed: trans.__('changed'),
    deleted: trans.__('deleted')
  };
  return (
    <section className="jp-LifecycleLab-runFiles" data-where={files.where}>
      <h3>{title}</h3>
      {files.skipped ? (
        <p className="jp-LifecycleLab-muted">{trans.__('Not listed: %1', files.skipped)}</p>
      ) : files.changes.length === 0 ? (
        <p className="jp-LifecycleLab-muted">{trans.__('The rerun created or changed no file.')}</p>
      ) : (
        <table>
          <thead>
            <tr>
              <th>{trans.__('File')}</th>
              <th>{trans.__('Change')}</th>
              <th>{trans.__('Before')}</th>
              <th>{trans.__('After')}</th>
            </tr>
          </thead>
          <tbody>
            {files.changes.map(change => (
              <tr key={change.path} data-change={change.change}>
                <td>
                  <code>{change.path}</code>
                </td>
                <td>{labels[change.change] ?? change.change}</td>
                <td>
                  <State state={change.before} />
                </td>
                <td>
                  <State state={change.after} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {files.omitted > 0 && (
        <p className="jp-LifecycleLab-muted">{trans.__('… and %1 more files (see the run record)', files.omitted)}</p>
      )}
    </section>
  );
}
