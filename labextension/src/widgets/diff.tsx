import * as React from 'react';

import { MainAreaWidget } from '@jupyterlab/apputils';
import { TranslationBundle } from '@jupyterlab/translation';
import { ReactWidget } from '@jupyterlab/ui-components';

import { DiffView } from '../components/DiffView';
import { lifecycleIcon } from '../icon';
import { Run, RunNotebook } from '../tokens';

/** A main-area tab with one notebook's differences in a finished run. */
export function createDiffWidget(
  run: Run,
  notebook: RunNotebook,
  trans: TranslationBundle,
  onOpen: (() => void) | null
): MainAreaWidget {
  const content = ReactWidget.create(<DiffView run={run} notebook={notebook} trans={trans} onOpen={onOpen} />);
  content.addClass('jp-LifecycleLab-diffContent');
  const widget = new MainAreaWidget({ content });
  widget.id = `lifecycle-lab-diff-${run.id}-${notebook.position}`;
  widget.title.label = trans.__('Rerun diff: %1', notebook.path);
  widget.title.icon = lifecycleIcon;
  widget.title.closable = true;
  return widget;
}
