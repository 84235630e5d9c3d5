import * as React from 'react';

import { TranslationBundle } from '@jupyterlab/translation';

import { EvidenceSummary as Summary, formatNumber, safeHref } from '../evidence';
import { PASSING_VERDICTS } from '../tokens';
import { datasetNote, formatTime, truncate, verdictLabel } from './labels';

const EXCERPT = 160;

function excerpt(text: string): string {
  return truncate(text, EXCERPT);
}

/**
 * One line (or a few) about an item's evidence: counts, versions with a
 * warning when the data changed, metrics with intervals, the rerun verdict.
 */
export function EvidenceSummary(props: {
  summary: Summary;
  trans: TranslationBundle;
}): JSX.Element | null {
  const { summary, trans } = props;
  switch (summary.kind) {
    case 'none':
      return null;
    case 'text':
      return <span>{excerpt(summary.text)}</span>;
    case 'problem_statement':
      return (
        <span>
          {excerpt(summary.statement)}
          {summary.metric && (
            <>
              {' · '}
              {trans.__('target %1 %2', summary.metric, formatNumber(summary.target))}
              {summary.baseline !== null &&
                ` (${trans.__('baseline %1', formatNumber(summary.baseline))})`}
            </>
          )}
        </span>
      );
    case 'failure_modes':
      return (
        <span>
          {trans._n('%1 failure mode', '%1 failure modes', summary.count)}
          {summary.severe > 0 && ` · ${trans._n('%1 high severity', '%1 high severity', summary.severe)}`}
        </span>
      );
    case 'datasets':
      return (
        <ul className="jp-LifecycleLab-evidenceList">
          {summary.versions.map(version => (
            <li
              key={`${version.dataset}@${version.version}`}
              className={version.state === 'ok' ? '' : 'jp-LifecycleLab-warning'}
            >
              {version.state !== 'ok' && <span aria-hidden="true">⚠ </span>}
              {trans.__('%1 v%2', version.dataset, version.version)}
              {' — '}
              {datasetNote(trans, version.state)}
            </li>
          ))}
        </ul>
      );
    case 'hyperparameters':
      return <span>{trans._n('%1 hyperparameter', '%1 hyperparameters', summary.count)}</span>;
    case 'metrics':
      return (
        <ul className="jp-LifecycleLab-evidenceList">
          {summary.results.map((result, index) => (
            <li key={index}>
              {`${result.segment}: ${summary.metric} ${formatNumber(result.value)}`}
              {result.low !== null && result.high !== null &&
                ` [${formatNumber(result.low)}, ${formatNumber(result.high)}]`}
            </li>
          ))}
          {summary.confidence !== null && (
            <li className="jp-LifecycleLab-muted">
              {trans.__('%1% confidence intervals', formatNumber(summary.confidence * 100))}
            </li>
          )}
        </ul>
      );
    case 'rerun':
      return (
        <span className={PASSING_VERDICTS.has(summary.verdict) ? 'jp-LifecycleLab-ok' : 'jp-LifecycleLab-warning'}>
          {trans.__('Last rerun: %1', verdictLabel(trans, summary.verdict))}
          {summary.finishedAt && ` · ${formatTime(summary.finishedAt)}`}
        </span>
      );
    case 'link': {
      const href = safeHref(summary.url);
      const text = summary.title || summary.url;
      return href ? (
        <a href={href} target="_blank" rel="noopener noreferrer">
          {text}
        </a>
      ) : (
        <span>{text}</span>
      );
    }
    case 'date':
      return <span>{summary.note ? `${summary.date} · ${summary.note}` : summary.date}</span>;
    case 'decision_log':
      return (
        <span>
          {trans._n('%1 decision', '%1 decisions', summary.count)}
          {summary.last && ` · ${trans.__('latest: %1', excerpt(summary.last))}`}
        </span>
      );
    case 'test':
      return (
        <span>
          {summary.mode === 'automated' ? trans.__('Automated test') : trans.__('Manual test')}
          {summary.lastRun && ` · ${trans.__('last run %1', summary.lastRun)}`}
        </span>
      );
    case 'other':
      return <span>{trans._n('%1 field recorded', '%1 fields recorded', summary.fields)}</span>;
  }
}
