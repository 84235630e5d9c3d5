import * as React from 'react';

import { TranslationBundle } from '@jupyterlab/translation';

import { latestSignoffs, signoffRoles } from '../derive';
import { errorMessage } from '../errors';
import { LifecycleModel } from '../model';
import { AllowedRole, Decision, ProjectView, Stage } from '../tokens';
import { formatTime, personShown } from './labels';

/**
 * A stage's sign-offs by role (outdated ones marked), and a form for the
 * current user to approve or reject the stage as one of its roles.
 */
export function Signoffs(props: {
  model: LifecycleModel;
  view: ProjectView;
  stage: Stage;
  trans: TranslationBundle;
}): JSX.Element {
  const { model, view, stage, trans } = props;
  const { required, optional } = signoffRoles(view, stage);
  const roles = [...required, ...optional];
  const latest = latestSignoffs(view, stage.id);
  // Required roles always show (missing until signed); optional ones only once someone signed as them.
  const shown = [...required, ...optional.filter(id => latest.has(id))];
  const roleTitle = (id: string) => view.template.roles.find(role => role.id === id)?.title ?? id;
  const [open, setOpen] = React.useState(false);
  const [role, setRole] = React.useState(roles[0] ?? '');
  const [comment, setComment] = React.useState('');
  const [busy, setBusy] = React.useState(false);
  const [error, setError] = React.useState<string | null>(null);
  // What the server's sign-off policy lets this user do, asked each time the form opens (null: not known yet).
  const [allowed, setAllowed] = React.useState<AllowedRole[] | null>(null);
  const offered = allowed ? allowed.filter(r => r.approve || r.reject).map(r => r.role) : roles;
  const current = allowed?.find(r => r.role === role);

  React.useEffect(() => {
    if (!open) {
      return;
    }
    let live = true;
    model
      .allowedSignoffs()
      .then(answer => {
        const forStage = answer?.stages[stage.id]?.roles ?? null;
        if (live && forStage) {
          setAllowed(forStage);
          const first = forStage.find(r => r.approve || r.reject);
          setRole(first ? first.role : '');
        }
      })
      .catch(reason => live && setError(errorMessage(reason)));
    return () => {
      live = false;
    };
  }, [open, model, stage.id]);

  const sign = async (decision: Decision) => {
    setBusy(true);
    setError(null);
    try {
      await model.signoff(stage.id, role, decision, comment);
      setComment('');
      setOpen(false);
    } catch (reason) {
      setError(errorMessage(reason));
    } finally {
      setBusy(false);
    }
  };

  return (
    <div className="jp-LifecycleLab-signoffs" aria-label={trans.__('Sign-offs of %1', stage.title)} role="group">
      <div className="jp-LifecycleLab-subheading">{trans.__('Sign-offs')}</div>
      {shown.length === 0 && (
        <p className="jp-LifecycleLab-muted">{trans.__('No sign-off required; any role may sign optionally.')}</p>
      )}
      <ul>
        {shown.map(id => {
          const signoff = latest.get(id);
          let state = required.includes(id) ? 'missing' : 'optional';
          if (signoff) {
            state = signoff.outdated ? 'outdated' : signoff.decision;
          }
          return (
            <li key={id} className={`jp-LifecycleLab-signoff jp-LifecycleLab-signoff-${state}`} data-role={id}>
              <span className="jp-LifecycleLab-signoffRole">{roleTitle(id)}</span>
              {signoff ? (
                <>
                  <span className="jp-LifecycleLab-badge">
                    {signoff.decision === 'approve' ? trans.__('approved') : trans.__('rejected')}
                    {signoff.outdated && ` · ${trans.__('outdated')}`}
                  </span>
                  <span className="jp-LifecycleLab-muted">
                    {trans.__('by %1, %2', personShown(signoff.user), formatTime(signoff.at))}
                  </span>
                  {signoff.comment && <q className="jp-LifecycleLab-comment">{signoff.comment}</q>}
                </>
              ) : (
                <span className="jp-LifecycleLab-muted">{trans.__('missing (required)')}</span>
              )}
            </li>
          );
        })}
      </ul>
      {!open ? (
        <button type="button" className="jp-LifecycleLab-linkButton" onClick={() => setOpen(true)}>
          {trans.__('Sign off %1…', stage.title)}
        </button>
      ) : (
        <form
          className="jp-LifecycleLab-signoffForm"
          onSubmit={event => {
            event.preventDefault();
            void sign('approve');
          }}
        >
          <label>
            {trans.__('As')}
            <select value={role} aria-label={trans.__('Role signing %1', stage.title)} onChange={e => setRole(e.target.value)}>
              {offered.map(id => (
                <option key={id} value={id}>
                  {roleTitle(id)}
                </option>
              ))}
            </select>
          </label>
          {allowed && offered.length === 0 && (
            <div className="jp-LifecycleLab-muted" role="status">
              {trans.__('The sign-off policy lets you sign this stage as none of its roles.')}
            </div>
          )}
          {current && !current.approve && current.message && (
            <div className="jp-LifecycleLab-muted" role="status">
              {trans.__('You may not approve: %1', current.message)}
            </div>
          )}
          <textarea
            value={comment}
            rows={2}
            placeholder={trans.__('Comment (required to reject)')}
            aria-label={trans.__('Sign-off comment for %1', stage.title)}
            onChange={e => setComment(e.target.value)}
          />
          <div className="jp-LifecycleLab-buttons">
            <button
              type="submit"
              className="jp-mod-styled jp-mod-accept"
              disabled={busy || !role || (current !== undefined && !current.approve)}
            >
              {trans.__('Approve')}
            </button>
            <button
              type="button"
              className="jp-mod-styled jp-mod-warn"
              disabled={busy || !role || !comment.trim() || (current !== undefined && !current.reject)}
              onClick={() => void sign('reject')}
            >
              {trans.__('Reject')}
            </button>
            <button type="button" className="jp-mod-styled jp-mod-reject" onClick={() => setOpen(false)}>
              {trans.__('Cancel')}
            </button>
          </div>
          {error && (
            <div className="jp-LifecycleLab-error" role="alert">
              {error}
            </div>
          )}
        </form>
      )}
    </div>
  );
}
