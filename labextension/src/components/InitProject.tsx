import * as React from 'react';

import { TranslationBundle } from '@jupyterlab/translation';

import { errorMessage } from '../errors';
import { LifecycleModel } from '../model';

/** Shown where no project holds the active notebook or folder: make the folder one. */
export function InitProject(props: { model: LifecycleModel; trans: TranslationBundle }): JSX.Element {
  const { model, trans } = props;
  const templates = model.templates;
  const preferred = model.settings.defaultTemplate;
  const [choice, setChoice] = React.useState<string | null>(null);
  const [busy, setBusy] = React.useState(false);
  const [error, setError] = React.useState<string | null>(null);
  const template =
    choice ?? (templates.some(t => t.id === preferred) ? preferred : (templates[0]?.id ?? preferred));
  const folder = model.location?.folder ?? '';

  return (
    <div className="jp-LifecycleLab-init">
      <p>
        {trans.__('No lifecycle project holds %1.', folder ? `“${folder}”` : trans.__('the server root'))}
      </p>
      <form
        onSubmit={async event => {
          event.preventDefault();
          setBusy(true);
          setError(null);
          try {
            await model.initProject(template);
          } catch (reason) {
            setError(errorMessage(reason));
          } finally {
            setBusy(false);
          }
        }}
      >
        <label>
          {trans.__('Template')}
          <select value={template} aria-label={trans.__('Checklist template')} onChange={e => setChoice(e.target.value)}>
            {templates.length === 0 && <option value={template}>{template}</option>}
            {templates.map(t => (
              <option key={t.id} value={t.id}>
                {`${t.title} (${t.id} ${t.version})`}
              </option>
            ))}
          </select>
        </label>
        <button type="submit" className="jp-mod-styled jp-mod-accept" disabled={busy}>
          {trans.__('Initialise lifecycle project here')}
        </button>
      </form>
      {error && (
        <div className="jp-LifecycleLab-error" role="alert">
          {error}
        </div>
      )}
    </div>
  );
}
