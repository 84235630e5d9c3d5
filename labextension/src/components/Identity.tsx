import * as React from 'react';

import { TranslationBundle } from '@jupyterlab/translation';

import { chosenName, setChosenName } from '../identity';
import { LifecycleModel } from '../model';
import { ProjectView } from '../tokens';

interface ViewUser {
  anonymous?: boolean;
  shown?: string;
}

/**
 * Says who changes are recorded as; for an anonymous identity (a token login), offers to set a name for
 * this browser, recorded with every change and flagged anonymous in the audit log.
 */
export function IdentityNotice(props: { model: LifecycleModel; view: ProjectView; trans: TranslationBundle }): JSX.Element | null {
  const { model, view, trans } = props;
  const user = view.user as ProjectView['user'] & ViewUser;
  const [editing, setEditing] = React.useState(false);
  const [name, setName] = React.useState(chosenName() ?? '');
  if (!user.anonymous) {
    return null;
  }
  const save = (event: React.FormEvent) => {
    event.preventDefault();
    setChosenName(name);
    setEditing(false);
    void model.refresh();
  };
  return (
    <div className="jp-LifecycleLab-identity" role="note">
      <span>{trans.__('You are anonymous: changes are recorded as %1.', user.shown ?? user.display_name)}</span>{' '}
      {editing ? (
        <form className="jp-LifecycleLab-identityForm" onSubmit={save}>
          <input
            value={name}
            maxLength={80}
            aria-label={trans.__('Your name in this browser')}
            placeholder={trans.__('Your name')}
            onChange={e => setName(e.target.value)}
          />
          <button type="submit" className="jp-mod-styled jp-mod-accept">
            {trans.__('Use this name')}
          </button>
        </form>
      ) : (
        <button type="button" className="jp-LifecycleLab-linkButton" onClick={() => setEditing(true)}>
          {trans.__('Set your name')}
        </button>
      )}
    </div>
  );
}
