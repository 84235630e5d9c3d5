import * as React from 'react';

import { TranslationBundle } from '@jupyterlab/translation';

import { rowsToKeep, stageOpenByDefault, stageRows, visibleItems } from '../derive';
import { LifecycleModel } from '../model';
import { ProjectView, Stage } from '../tokens';
import { ItemRow } from './ItemRow';
import { badgeClass, blockerLabel } from './labels';
import { Signoffs } from './Signoffs';

/**
 * A collapsible stage: progress and gate badge in its heading (one line, also
 * when folded); items and sign-offs inside. Only the stage the project is at
 * starts open (see `stageOpenByDefault`); a folded stage renders no rows at all.
 * A long open stage shows its first open items and "Show N more".
 */
export function StageSection(props: {
  model: LifecycleModel;
  view: ProjectView;
  stage: Stage;
  overdue: Set<string>;
  trans: TranslationBundle;
}): JSX.Element | null {
  const { model, view, stage, overdue, trans } = props;
  // Rows shown while open: one the user (or someone else) closes stays in place while the stage stays open.
  const kept = React.useRef<ReadonlySet<string>>(new Set());
  const gate = view.gates[stage.id];
  const project = view.project.id;
  const progress = view.progress.stages[stage.id];
  const items = visibleItems(view, stage, model.filters, model.settings.showDone);
  const filtering = model.filters.openOnly || model.filters.mine || model.filters.overdue;
  if (filtering && items.length === 0) {
    return null;
  }
  const expanded = model.folds.isOpen(project, stage.id, stageOpenByDefault(view, stage, filtering));
  const rows = stageRows(view, items, filtering || model.folds.showsAll(project, stage.id), kept.current);
  kept.current = expanded ? rowsToKeep(view, rows.shown, kept.current) : new Set();
  const bodyId = `jp-LifecycleLab-stage-${stage.id}`;
  const gateText = gate?.passed
    ? trans.__('gate passed')
    : trans._n('%1 blocker', '%1 blockers', gate?.blockers.length ?? 0);

  return (
    <section className="jp-LifecycleLab-stage" data-stage={stage.id}>
      <h3 className="jp-LifecycleLab-stageHeading">
        <button
          type="button"
          aria-expanded={expanded}
          aria-controls={expanded ? bodyId : undefined}
          onClick={() => model.folds.setOpen(project, stage.id, !expanded)}
        >
          <span aria-hidden="true">{expanded ? '▾ ' : '▸ '}</span>
          <span className="jp-LifecycleLab-stageTitle">{stage.title}</span>
        </button>
        {progress && (
          <span className="jp-LifecycleLab-stageProgress" title={trans.__('%1 of %2 applicable items done', progress.done, progress.applicable)}>
            <progress max={100} value={progress.percent} aria-label={trans.__('Progress of %1', stage.title)} />
            {`${progress.done}/${progress.applicable}`}
          </span>
        )}
        <span
          className={badgeClass(gate?.passed ?? false)}
          title={gate?.blockers.map(b => `${blockerLabel(trans, b.kind)}: ${b.message}`).join('\n')}
        >
          {gateText}
        </span>
      </h3>
      {expanded && (
        <div id={bodyId}>
          {stage.description && <p className="jp-LifecycleLab-stageDescription">{stage.description}</p>}
          <ul className="jp-LifecycleLab-items" aria-label={trans.__('Items of %1', stage.title)}>
            {rows.shown.map(spec => {
              const state = view.items[spec.key];
              return state ? (
                <ItemRow
                  key={spec.key}
                  model={model}
                  spec={spec}
                  state={state}
                  overdue={overdue.has(spec.key)}
                  stale={view.stale[spec.key]}
                  datasets={view.datasets}
                  pending={model.isPending(spec.key)}
                  conflict={model.conflict(spec.key)}
                  error={model.itemError(spec.key)}
                  trans={trans}
                />
              ) : null;
            })}
          </ul>
          {rows.more > 0 && (
            <button
              type="button"
              className="jp-LifecycleLab-linkButton jp-LifecycleLab-showMore"
              onClick={() => model.folds.showAll(project, stage.id)}
            >
              {rows.shown.length > 0
                ? trans._n('Show %1 more item', 'Show %1 more items', rows.more)
                : trans._n('Show the %1 closed item', 'Show the %1 closed items', rows.more)}
            </button>
          )}
          {items.length === 0 && <p className="jp-LifecycleLab-muted">{trans.__('No items to show.')}</p>}
          <Signoffs model={model} view={view} stage={stage} trans={trans} />
        </div>
      )}
    </section>
  );
}
