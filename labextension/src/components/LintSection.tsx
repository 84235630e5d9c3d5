import * as React from 'react';

import { TranslationBundle } from '@jupyterlab/translation';
import { UseSignal } from '@jupyterlab/ui-components';

import { LintFinding, RunCells } from '../lint';
import { LintModel } from '../models/lint';
import { LintPanel } from './LintPanel';

/** What the sidebar needs to show the lint: its model, and how to open a finding's cell. */
export interface LintSectionActions {
  lint: LintModel;
  jumpToFinding: (finding: LintFinding) => Promise<void>;
}

/** The lint panel, re-rendered whenever the lint model changes (it has its own signal). */
export function LintSection(props: {
  actions: LintSectionActions;
  run: RunCells | null;
  trans: TranslationBundle;
}): JSX.Element {
  const { actions, run, trans } = props;
  const lint = actions.lint;
  return (
    <UseSignal signal={lint.changed}>
      {() => (
        <LintPanel
          report={lint.report}
          error={lint.error}
          run={run}
          trans={trans}
          actions={{
            refresh: () => lint.load(),
            registerData: () => lint.registerData(),
            jumpTo: actions.jumpToFinding
          }}
        />
      )}
    </UseSignal>
  );
}
