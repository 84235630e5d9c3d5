import * as React from 'react';

import { TranslationBundle } from '@jupyterlab/translation';

import { AuditLog as Log } from '../tokens';
import { formatTime, truncate } from './labels';

function brief(value: unknown): string {
  if (value === null || value === undefined) {
    return '';
  }
  return truncate(JSON.stringify(value), 300);
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
              <th scope="col">{trans.__('After')}</th>
            </tr>
          </thead>
          <tbody>
            {[...log.events].reverse().map(event => (
              <tr key={event.seq}>
                <td>{event.seq}</td>
                <td>{formatTime(event.at)}</td>
                <td>{event.actor}</td>
                <td>{event.action}</td>
                <td>{event.target}</td>
                <td className="jp-LifecycleLab-auditValue" title={event.hash}>
                  {brief(event.after)}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}
