import * as React from 'react';

import { TranslationBundle } from '@jupyterlab/translation';

import { AnchorStatus, AuditLog as Log } from '../tokens';
import { auditChanges } from '../derive';
import { formatTime, personShown, truncate } from './labels';

/** An event's change as "field: before → after" lines (a creation lists the new fields). */
function Changes(props: { before: unknown; after: unknown }): JSX.Element {
  const created = props.before === null || props.before === undefined;
  return (
    <ul className="jp-LifecycleLab-auditChanges">
      {auditChanges(props.before, props.after).map((change, index) => (
        <li key={index}>
          {change.field && <span className="jp-LifecycleLab-auditField">{change.field}: </span>}
          {!created && (
            <>
              <del>{truncate(change.before, 200)}</del>
              {' → '}
            </>
          )}
          <ins>{truncate(change.after, 200)}</ins>
        </li>
      ))}
    </ul>
  );
}

/**
 * Whether the newest anchor reaches the last event, in words; null while
 * unknown, and with `problemsOnly` (the sidebar) also while it does.
 */
export function AnchorNote(props: {
  anchor: AnchorStatus | null | undefined;
  trans: TranslationBundle;
  problemsOnly?: boolean;
}): JSX.Element | null {
  const { anchor, trans, problemsOnly } = props;
  if (!anchor || (problemsOnly && anchor.anchored_seq !== null && anchor.behind === 0)) {
    return null;
  }
  if (anchor.anchored_seq === null) {
    return (
      <p className="jp-LifecycleLab-warning" data-anchor="never">
        {trans.__('The audit chain was never anchored: run `jupyter lifecycle audit --anchor` and commit the file.')}
      </p>
    );
  }
  if (anchor.behind > 0) {
    return (
      <p className="jp-LifecycleLab-warning" data-anchor="stale">
        {trans.__(
          'The last anchor (event %1, %2) is older than the last event: %3 events since.',
          anchor.anchored_seq,
          formatTime(anchor.anchored_at ?? ''),
          anchor.behind
        )}
      </p>
    );
  }
  return (
    <p className="jp-LifecycleLab-ok" data-anchor="current">
      {trans.__('Anchored at the last event (%1).', anchor.anchored_seq)}
    </p>
  );
}

/** The audit log, newest first, under the result of verifying its hash chain, anchors and state. */
export function AuditLog(props: {
  log: Log | null;
  error: string | null;
  trans: TranslationBundle;
  onRefresh: () => void;
}): JSX.Element {
  const { log, error, trans, onRefresh } = props;
  const chain = log?.chain;
  return (
    <div className="jp-LifecycleLab-audit">
      <header>
        <button type="button" className="jp-mod-styled" onClick={onRefresh}>
          {trans.__('Reload and verify')}
        </button>
        {chain && (
          <p
            className={chain.ok ? 'jp-LifecycleLab-ok' : 'jp-LifecycleLab-error'}
            role="status"
            data-chain={chain.ok ? 'ok' : chain.refused ? 'refused' : 'broken'}
          >
            {chain.ok
              ? trans.__('Hash chain verified: %1 events, head %2', chain.events, chain.head.slice(0, 12))
              : chain.refused
                ? trans.__('Hash chain not verified: %1', chain.message)
                : trans.__('Hash chain broken at event %1: %2', chain.broken_seq ?? '?', chain.message)}
          </p>
        )}
        {chain?.ok && log?.verification && !log.verification.ok && (
          <ul className="jp-LifecycleLab-error" role="status" data-verification="problems">
            {log.verification.problems.map(problem => (
              <li key={problem}>{problem}</li>
            ))}
          </ul>
        )}
        <AnchorNote anchor={log?.anchor} trans={trans} />
        {error && (
          <p className="jp-LifecycleLab-error" role="alert">
            {error}
          </p>
        )}
      </header>
      {log === null ? (
        <p>{trans.__('Loading…')}</p>
      ) : (
        <table className="jp-LifecycleLab-auditTable">
          <thead>
            <tr>
              <th scope="col">#</th>
              <th scope="col">{trans.__('When')}</th>
              <th scope="col">{trans.__('Who')}</th>
              <th scope="col">{trans.__('Action')}</th>
              <th scope="col">{trans.__('Target')}</th>
              <th scope="col">{trans.__('Change')}</th>
            </tr>
          </thead>
          <tbody>
            {[...log.events].reverse().map(event => (
              <tr key={event.seq}>
                <td>{event.seq}</td>
                <td>{formatTime(event.at)}</td>
                <td title={event.actor}>{personShown(event.actor)}</td>
                <td>{event.action}</td>
                <td>{event.target}</td>
                <td className="jp-LifecycleLab-auditValue" title={event.hash}>
                  <Changes before={event.before} after={event.after} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}
