import * as React from 'react';

import { TranslationBundle } from '@jupyterlab/translation';

import { allBlockers, itemTitle } from '../derive';
import { LifecycleModel } from '../model';
import { revalidationOf, revalidationText } from '../schedule';
import { ProjectView } from '../tokens';
import { badgeClass, blockerLabel } from './labels';

/**
 * The project at a glance: name, current user, overall progress, the gate
 * status with every blocker, the overdue count.
 */
export function Header(props: { view: ProjectView; trans: TranslationBundle }): JSX.Element {
  const { view, trans } = props;
  const overall = view.progress.overall;
  const blockers = allBlockers(view);
  const schedule = revalidationOf(view);
  return (
    <header className="jp-LifecycleLab-header">
      <div className="jp-LifecycleLab-headerTop">
        <h2 className="jp-LifecycleLab-projectName" title={view.project.path || '/'}>
          {view.project.name}
        </h2>
        <span className="jp-LifecycleLab-user" title={trans.__('Changes are recorded as %1', view.user.username)}>
          {view.user.display_name || view.user.username}
        </span>
      </div>
      <div className="jp-LifecycleLab-overall">
        <div
          className="jp-LifecycleLab-progressBar"
          role="progressbar"
          aria-label={trans.__('Overall progress')}
          aria-valuemin={0}
          aria-valuemax={100}
          aria-valuenow={overall.percent}
        >
          <div style={{ width: `${overall.percent}%` }} />
        </div>
        <span className="jp-LifecycleLab-percent">
          {trans.__('%1% · %2 of %3 done', overall.percent, overall.done, overall.applicable)}
        </span>
      </div>
      <div className="jp-LifecycleLab-headerStatus">
        <span
          className={badgeClass(view.ready)}
          data-status={view.status}
        >
          {view.ready ? trans.__('ready') : trans.__('blocked')}
        </span>
        <span className={view.overdue.length ? 'jp-LifecycleLab-warning' : 'jp-LifecycleLab-muted'}>
          {trans._n('%1 overdue', '%1 overdue', view.overdue.length)}
        </span>
        <span className="jp-LifecycleLab-muted">{view.template.title}</span>
      </div>
      {(view.coverage ?? []).length > 0 && (
        <ul className="jp-LifecycleLab-coverage" aria-label={trans.__('Framework coverage')}>
          {(view.coverage ?? []).map(framework => (
            <li key={framework.id} data-framework={framework.id}>
              <span className="jp-LifecycleLab-coverageTitle" title={framework.title}>
                {framework.title}
              </span>
              <progress
                max={100}
                value={framework.percent}
                aria-label={trans.__('Clauses satisfied in %1', framework.title)}
              />
              <span
                className="jp-LifecycleLab-muted"
                title={trans.__(
                  '%1 of %2 clauses served by satisfied items, %3 by open items, %4 not served by any item',
                  framework.satisfied,
                  framework.clauses,
                  framework.open,
                  framework.uncovered
                )}
              >
                {trans.__('%1% · %2 open · %3 uncovered', framework.percent, framework.open, framework.uncovered)}
              </span>
            </li>
          ))}
        </ul>
      )}
      {schedule && (
        <div
          className={`jp-LifecycleLab-revalidation ${schedule.overdue ? 'jp-LifecycleLab-warning' : 'jp-LifecycleLab-muted'}`}
          data-overdue={schedule.overdue}
          title={schedule.item}
        >
          {revalidationText(trans, schedule)}
        </div>
      )}
      {blockers.length > 0 && (
        <details className="jp-LifecycleLab-blockers">
          <summary>{trans._n('%1 blocker', '%1 blockers', blockers.length)}</summary>
          <ul>
            {blockers.map(({ stage, blocker }, index) => (
              <li key={index}>
                <strong>{stage.title}</strong>
                {' — '}
                {blocker.kind.startsWith('signoff') ? blocker.target : itemTitle(view, blocker.target)}
                {': '}
                <span className="jp-LifecycleLab-muted">{blockerLabel(trans, blocker.kind)}</span>
              </li>
            ))}
          </ul>
        </details>
      )}
    </header>
  );
}

/** Filters of the item lists: open only, mine, overdue. */
export function FilterBar(props: { model: LifecycleModel; trans: TranslationBundle }): JSX.Element {
  const { model, trans } = props;
  const filters = model.filters;
  const toggle = (name: keyof typeof filters, label: string) => (
    <label className="jp-LifecycleLab-filter">
      <input
        type="checkbox"
        checked={filters[name]}
        onChange={event => {
          model.filters = { ...filters, [name]: event.target.checked };
        }}
      />
      {label}
    </label>
  );
  return (
    <div className="jp-LifecycleLab-filters" role="group" aria-label={trans.__('Filter items')}>
      {toggle('openOnly', trans.__('Open only'))}
      {toggle('mine', trans.__('Mine'))}
      {toggle('overdue', trans.__('Overdue'))}
    </div>
  );
}
