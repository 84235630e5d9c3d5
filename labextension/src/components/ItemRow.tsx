import * as React from 'react';

import { TranslationBundle } from '@jupyterlab/translation';

import { summarizeEvidence } from '../evidence';
import { ItemConflict, LifecycleModel } from '../model';
import { DatasetCheck, ItemChanges, ItemSpec, ItemState, STATUSES, Status } from '../tokens';
import { EvidenceSummary } from './EvidenceSummary';
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

type Draft = { owner: string; due: string; notes: string };

function draftOf(state: ItemState): Draft {
  return { owner: state.owner ?? '', due: state.due ?? '', notes: state.notes };
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
        <span className="jp-LifecycleLab-itemTitle" title={spec.key}>
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

/**
 * Owner, due date and notes as a form whose unsaved edits survive updates of
 * the item made elsewhere (a field the user has not touched follows them).
 */
function ItemDetails(props: {
  model: LifecycleModel;
  spec: ItemSpec;
  state: ItemState;
  stale: string[] | undefined;
  pending: boolean;
  trans: TranslationBundle;
  id: string;
}): JSX.Element {
  const { model, spec, state, stale, pending, trans, id } = props;
  const [draft, setDraft] = React.useState<Draft>(() => draftOf(state));
  const base = React.useRef<Draft>(draftOf(state));
  // The version the user started editing: a save over a newer one is a conflict, never a silent overwrite.
  const editedFrom = React.useRef<number | null>(null);
  const edit = (next: Draft) => {
    if (editedFrom.current === null) {
      editedFrom.current = state.version;
    }
    setDraft(next);
  };

  React.useEffect(() => {
    const next = draftOf(state);
    const previous = base.current;
    base.current = next;
    setDraft(current => ({
      owner: current.owner === previous.owner ? next.owner : current.owner,
      due: current.due === previous.due ? next.due : current.due,
      notes: current.notes === previous.notes ? next.notes : current.notes
    }));
  }, [state.version, state.owner, state.due, state.notes]);

  const saved = draftOf(state);
  const changes: ItemChanges = {};
  if (draft.owner !== saved.owner) {
    changes.owner = draft.owner.trim() || null;
  }
  if (draft.due !== saved.due) {
    changes.due = draft.due || null;
  }
  if (draft.notes !== saved.notes) {
    changes.notes = draft.notes;
  }
  const dirty = Object.keys(changes).length > 0;
  if (!dirty) {
    editedFrom.current = null;
  }

  return (
    <div className="jp-LifecycleLab-itemDetails" id={id}>
      <form
        onSubmit={event => {
          event.preventDefault();
          if (dirty) {
            void model.updateItem(spec.key, changes, editedFrom.current ?? state.version);
          }
        }}
      >
        <div className="jp-LifecycleLab-fields">
          <label>
            {trans.__('Owner')}
            <input
              type="text"
              value={draft.owner}
              placeholder={spec.owner_role ?? ''}
              aria-label={trans.__('Owner of %1', spec.title)}
              onChange={event => edit({ ...draft, owner: event.target.value })}
            />
          </label>
          <label>
            {trans.__('Due')}
            <input
              type="date"
              value={draft.due}
              aria-label={trans.__('Due date of %1', spec.title)}
              onChange={event => edit({ ...draft, due: event.target.value })}
            />
          </label>
        </div>
        <label className="jp-LifecycleLab-notes">
          {trans.__('Notes')}
          <textarea
            value={draft.notes}
            rows={3}
            aria-label={trans.__('Notes on %1', spec.title)}
            onChange={event => edit({ ...draft, notes: event.target.value })}
            onKeyDown={event => {
              if (event.key === 'Enter' && (event.ctrlKey || event.metaKey)) {
                event.preventDefault();
                event.currentTarget.form?.requestSubmit();
              }
            }}
          />
        </label>
        <div className="jp-LifecycleLab-buttons">
          <button type="submit" className="jp-mod-styled jp-mod-accept" disabled={!dirty || pending}>
            {trans.__('Save')}
          </button>
          {dirty && (
            <button type="button" className="jp-mod-styled jp-mod-reject" onClick={() => {
                editedFrom.current = null;
                setDraft(draftOf(state));
              }}>
              {trans.__('Revert')}
            </button>
          )}
          {dirty && <span className="jp-LifecycleLab-muted">{trans.__('Unsaved changes')}</span>}
        </div>
      </form>
      {state.status === 'not_applicable' && state.justification && (
        <p className="jp-LifecycleLab-justificationText">
          <strong>{trans.__('Not applicable because: ')}</strong>
          {state.justification}
        </p>
      )}
      {stale && (
        <ul className="jp-LifecycleLab-staleReasons" aria-label={trans.__('Why the evidence is stale')}>
          {stale.map((reason, index) => (
            <li key={index} className="jp-LifecycleLab-warning">
              {reason}
            </li>
          ))}
        </ul>
      )}
      <details className="jp-LifecycleLab-guidance">
        <summary>{trans.__('Guidance')}</summary>
        <p>{spec.guidance}</p>
        {spec.why && (
          <p>
            <strong>{trans.__('Why: ')}</strong>
            {spec.why}
          </p>
        )}
        <p className="jp-LifecycleLab-muted">
          {trans.__('Evidence kind: %1', spec.evidence)}
          {spec.owner_role && ` · ${trans.__('owner role: %1', spec.owner_role)}`}
        </p>
      </details>
      {state.updated_by && (
        <p className="jp-LifecycleLab-muted">
          {trans.__('Version %1, last changed by %2 (%3)', state.version, state.updated_by, formatTime(state.updated_at))}
        </p>
      )}
    </div>
  );
}
