import * as React from 'react';

import { TranslationBundle } from '@jupyterlab/translation';

import { AuditLog as Log } from '../tokens';
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

/** The audit log, newest first, under the result of verifying its hash chain. */
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
            data-chain={chain.ok ? 'ok' : 'broken'}
          >
            {chain.ok
              ? trans.__('Hash chain verified: %1 events, head %2', chain.events, chain.head.slice(0, 12))
              : trans.__('Hash chain broken at event %1: %2', chain.broken_seq ?? '?', chain.message)}
          </p>
        )}
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
