import * as React from 'react';

import { TranslationBundle } from '@jupyterlab/translation';

import { summarizeEvidence } from '../evidence';
import { ItemConflict, LifecycleModel } from '../model';
import { DatasetCheck, ItemChanges, ItemSpec, ItemState, STATUSES, Status } from '../tokens';
import { EvidenceSummary } from './EvidenceSummary';
import { ItemDetails } from './ItemDetails';
import { fieldLabel, formatTime, statusLabel, truncate } from './labels';

export interface ItemRowProps {
  model: LifecycleModel;
  spec: ItemSpec;
  state: ItemState;
  overdue: boolean;
  stale: string[] | undefined;
  datasets: DatasetCheck[];
  pending: boolean;
  conflict: ItemConflict | null;
  error: string | null;
  trans: TranslationBundle;
}

/**
 * One checklist item: its status control on the first line, owner, due date
 * and evidence summary under it, details (notes, guidance, evidence) on demand.
 */
export const ItemRow = React.memo(function ItemRow(props: ItemRowProps): JSX.Element {
  const { model, spec, state, overdue, stale, datasets, pending, conflict, error, trans } = props;
  const [expanded, setExpanded] = React.useState(false);
  const [askJustification, setAskJustification] = React.useState(false);
  const detailsId = `jp-LifecycleLab-item-${spec.key.replace(/[^A-Za-z0-9_-]/g, '_')}`;
  const summary = summarizeEvidence(spec.evidence, state.evidence, { datasets });

  const onStatus = (event: React.ChangeEvent<HTMLSelectElement>) => {
    const status = event.target.value as Status;
    if (status === 'not_applicable' && !state.justification.trim()) {
      setAskJustification(true);
      return;
    }
    setAskJustification(false);
    void model.updateItem(spec.key, { status });
  };

  const classes = ['jp-LifecycleLab-item', `jp-LifecycleLab-status-${state.status}`];
  if (overdue) {
    classes.push('jp-LifecycleLab-overdue');
  }
  if (stale) {
    classes.push('jp-LifecycleLab-stale');
  }

  return (
    <li className={classes.join(' ')} data-item={spec.key} aria-busy={pending}>
      <div className="jp-LifecycleLab-itemRow">
        <button
          type="button"
          className="jp-LifecycleLab-disclosure"
          aria-expanded={expanded}
          aria-controls={detailsId}
          aria-label={trans.__('Details of %1', spec.title)}
          onClick={() => setExpanded(!expanded)}
        >
          {expanded ? '▾' : '▸'}
        </button>
        <span className="jp-LifecycleLab-itemTitle" title={`${spec.title} (${spec.key})`}>
          {spec.title}
          {spec.required && (
            <span className="jp-LifecycleLab-required" title={trans.__('Required for the gate')}>
              {' *'}
            </span>
          )}
        </span>
      </div>
      <div className="jp-LifecycleLab-itemMeta">
        <select
          className="jp-LifecycleLab-statusSelect"
          aria-label={trans.__('Status of %1', spec.title)}
          value={state.status}
          disabled={pending}
          onChange={onStatus}
        >
          {STATUSES.map(status => (
            <option key={status} value={status}>
              {statusLabel(trans, status)}
            </option>
          ))}
        </select>
        {state.owner && <span className="jp-LifecycleLab-owner">{state.owner}</span>}
        {state.due && (
          <span className={overdue ? 'jp-LifecycleLab-due jp-LifecycleLab-warning' : 'jp-LifecycleLab-due'}>
            {overdue ? trans.__('overdue since %1', state.due) : trans.__('due %1', state.due)}
          </span>
        )}
        {stale && (
          <span className="jp-LifecycleLab-staleMark jp-LifecycleLab-warning" title={stale.join('\n')}>
            {trans.__('stale')}
          </span>
        )}
        {summary.kind !== 'none' && (
          <span className="jp-LifecycleLab-evidence">
            <EvidenceSummary summary={summary} trans={trans} />
          </span>
        )}
      </div>
      {state.notes && !expanded && (
        <div className="jp-LifecycleLab-notesExcerpt" title={trans.__('Notes')}>
          {truncate(state.notes, 200)}
        </div>
      )}
      {askJustification && (
        <JustificationForm
          trans={trans}
          title={spec.title}
          onCancel={() => setAskJustification(false)}
          onSubmit={async justification => {
            const written = await model.updateItem(spec.key, { status: 'not_applicable', justification });
            if (written) {
              setAskJustification(false);
            }
          }}
        />
      )}
      {conflict && <ConflictNotice model={model} conflict={conflict} trans={trans} />}
      {error && (
        <div className="jp-LifecycleLab-error" role="alert">
          {error}
        </div>
      )}
      {expanded && (
        <ItemDetails model={model} spec={spec} state={state} stale={stale} pending={pending} trans={trans} id={detailsId} />
      )}
    </li>
  );
});

/** Asked when an item is marked not applicable: why it does not apply. */
function JustificationForm(props: {
  trans: TranslationBundle;
  title: string;
  onSubmit: (justification: string) => Promise<void>;
  onCancel: () => void;
}): JSX.Element {
  const { trans, title } = props;
  const [text, setText] = React.useState('');
  return (
    <form
      className="jp-LifecycleLab-justification"
      onSubmit={event => {
        event.preventDefault();
        void props.onSubmit(text);
      }}
    >
      <label>
        {trans.__('Why does “%1” not apply?', title)}
        <textarea
          value={text}
          autoFocus
          required
          aria-label={trans.__('Justification for %1', title)}
          onChange={event => setText(event.target.value)}
        />
      </label>
      <div className="jp-LifecycleLab-buttons">
        <button type="submit" className="jp-mod-styled jp-mod-accept" disabled={!text.trim()}>
          {trans.__('Mark not applicable')}
        </button>
        <button type="button" className="jp-mod-styled jp-mod-reject" onClick={props.onCancel}>
          {trans.__('Cancel')}
        </button>
      </div>
    </form>
  );
}

const FIELD_ORDER: Array<keyof ItemChanges> = ['status', 'owner', 'due', 'notes', 'justification', 'evidence'];

function fieldText(trans: TranslationBundle, field: keyof ItemChanges, value: unknown): string {
  if (value === null || value === undefined || value === '') {
    return '—';
  }
  if (field === 'status') {
    return statusLabel(trans, value as Status);
  }
  return typeof value === 'string' ? value : JSON.stringify(value);
}

/** A refused write: the newer value next to the user's, with re-apply or keep-theirs. */
function ConflictNotice(props: {
  model: LifecycleModel;
  conflict: ItemConflict;
  trans: TranslationBundle;
}): JSX.Element {
  const { model, conflict, trans } = props;
  const current = conflict.current as unknown as Record<string, unknown>;
  const attempted = conflict.attempted as Record<string, unknown>;
  const fields = FIELD_ORDER.filter(field => field in attempted);
  return (
    <div className="jp-LifecycleLab-conflict" role="alert">
      <p>
        {trans.__(
          'Changed meanwhile by %1 (%2). Your change was not saved.',
          conflict.current.updated_by ?? trans.__('someone else'),
          formatTime(conflict.current.updated_at)
        )}
      </p>
      <table>
        <thead>
          <tr>
            <th scope="col">{trans.__('Field')}</th>
            <th scope="col">{trans.__('Now')}</th>
            <th scope="col">{trans.__('Yours')}</th>
          </tr>
        </thead>
        <tbody>
          {fields.map(field => (
            <tr key={field}>
              <th scope="row">{fieldLabel(trans, field)}</th>
              <td className="jp-LifecycleLab-conflictTheirs">{fieldText(trans, field, current[field])}</td>
              <td className="jp-LifecycleLab-conflictMine">{fieldText(trans, field, attempted[field])}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <div className="jp-LifecycleLab-buttons">
        <button type="button" className="jp-mod-styled jp-mod-accept" onClick={() => void model.reapply(conflict.key)}>
          {trans.__('Re-apply my change')}
        </button>
        <button type="button" className="jp-mod-styled jp-mod-reject" onClick={() => model.discardConflict(conflict.key)}>
          {trans.__('Keep theirs')}
        </button>
      </div>
    </div>
  );
}
