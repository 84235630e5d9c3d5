import * as React from 'react';

import { MainAreaWidget } from '@jupyterlab/apputils';
import { TranslationBundle } from '@jupyterlab/translation';
import { ReactWidget, UseSignal } from '@jupyterlab/ui-components';

import { AuditLog } from '../components/AuditLog';
import { lifecycleIcon } from '../icon';
import { LifecycleModel } from '../model';

/** A main-area tab with the project's audit log and its chain verification. */
export function createAuditWidget(model: LifecycleModel, trans: TranslationBundle): MainAreaWidget {
  const load = () => void model.loadAudit();
  const content = ReactWidget.create(
    <UseSignal signal={model.changed}>
      {() => <AuditLog log={model.auditLog} error={model.auditError} trans={trans} onRefresh={load} />}
    </UseSignal>
  );
  content.addClass('jp-LifecycleLab-auditContent');
  const widget = new MainAreaWidget({ content });
  widget.id = 'lifecycle-lab-audit';
  widget.title.label = trans.__('Lifecycle audit: %1', model.project?.name ?? '');
  widget.title.icon = lifecycleIcon;
  widget.title.closable = true;
  load();
  return widget;
}
