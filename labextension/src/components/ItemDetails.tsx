/**
 * An item's owner, due date and notes as a form whose unsaved edits survive
 * updates of the item made elsewhere (a field the user has not touched follows
 * them), with the facts about the item below it.
 */
import * as React from 'react';

import { TranslationBundle } from '@jupyterlab/translation';

import { LifecycleModel } from '../model';
import { ItemChanges, ItemSpec, ItemState } from '../tokens';
import { formatTime } from './labels';

type Draft = { owner: string; due: string; notes: string };

function draftOf(state: ItemState): Draft {
  return { owner: state.owner ?? '', due: state.due ?? '', notes: state.notes };
}

/** The changes a draft makes to the saved state. */
function changesOf(draft: Draft, state: ItemState): ItemChanges {
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
  return changes;
}

/**
 * The draft of an item's fields: edits survive updates made elsewhere to fields
 * the user has not touched; `editedFrom` is the version the user started from,
 * so a save over a newer one is a conflict, never a silent overwrite.
 */
function useDraft(state: ItemState) {
  const [draft, setDraft] = React.useState<Draft>(() => draftOf(state));
  const base = React.useRef<Draft>(draftOf(state));
  const editedFrom = React.useRef<number | null>(null);
  const edit = (next: Draft) => {
    if (editedFrom.current === null) {
      editedFrom.current = state.version;
    }
    setDraft(next);
  };
  const revert = () => {
    editedFrom.current = null;
    setDraft(draftOf(state));
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

  const changes = changesOf(draft, state);
  const dirty = Object.keys(changes).length > 0;
  if (!dirty) {
    editedFrom.current = null;
  }
  return { draft, edit, revert, changes, dirty, basedOn: editedFrom.current ?? state.version };
}

interface DetailsProps {
  model: LifecycleModel;
  spec: ItemSpec;
  state: ItemState;
  stale: string[] | undefined;
  pending: boolean;
  trans: TranslationBundle;
  id: string;
}

export function ItemDetails(props: DetailsProps): JSX.Element {
  return (
    <div className="jp-LifecycleLab-itemDetails" id={props.id}>
      <DetailsForm {...props} />
      <ItemFacts spec={props.spec} state={props.state} stale={props.stale} trans={props.trans} />
    </div>
  );
}

/** The editable fields, saved together. */
function DetailsForm(props: DetailsProps): JSX.Element {
  const { model, spec, state, pending, trans } = props;
  const { draft, edit, revert, changes, dirty, basedOn } = useDraft(state);
  return (
    <form
      onSubmit={event => {
        event.preventDefault();
        if (dirty) {
          void model.updateItem(spec.key, changes, basedOn);
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
          <button type="button" className="jp-mod-styled jp-mod-reject" onClick={revert}>
            {trans.__('Revert')}
          </button>
        )}
        {dirty && <span className="jp-LifecycleLab-muted">{trans.__('Unsaved changes')}</span>}
      </div>
    </form>
  );
}

/** What the item's record says besides its fields: justification, staleness, guidance, last change. */
function ItemFacts(props: {
  spec: ItemSpec;
  state: ItemState;
  stale: string[] | undefined;
  trans: TranslationBundle;
}): JSX.Element {
  const { spec, state, stale, trans } = props;
  return (
    <>
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
    </>
  );
}
