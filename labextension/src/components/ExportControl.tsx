import * as React from 'react';

import { TranslationBundle } from '@jupyterlab/translation';

import { errorMessage } from '../errors';
import { EXPORT_FORMATS, ExportFormat } from '../tokens';
import { formatLabel } from './labels';

/** Choose a format and download the project's report. */
export function ExportControl(props: {
  trans: TranslationBundle;
  onExport: (format: ExportFormat) => Promise<void>;
}): JSX.Element {
  const { trans } = props;
  const [format, setFormat] = React.useState<ExportFormat>('pdf');
  const [busy, setBusy] = React.useState(false);
  const [error, setError] = React.useState<string | null>(null);
  const run = async () => {
    setBusy(true);
    setError(null);
    try {
      await props.onExport(format);
    } catch (reason) {
      setError(errorMessage(reason));
    } finally {
      setBusy(false);
    }
  };
  return (
    <div className="jp-LifecycleLab-export" role="group" aria-label={trans.__('Export')}>
      <select
        value={format}
        aria-label={trans.__('Export format')}
        onChange={event => setFormat(event.target.value as ExportFormat)}
      >
        {EXPORT_FORMATS.map(f => (
          <option key={f} value={f}>
            {formatLabel(trans, f)}
          </option>
        ))}
      </select>
      <button type="button" className="jp-mod-styled" disabled={busy} onClick={() => void run()}>
        {busy ? trans.__('Exporting…') : trans.__('Export')}
      </button>
      {error && (
        <div className="jp-LifecycleLab-error" role="alert">
          {error}
        </div>
      )}
    </div>
  );
}
