/**
 * Where a rerun's notebooks executed (executor and worker) and the project's
 * revalidation schedule, as the sidebar shows them. UI-free and pure.
 */
import { TranslationBundle } from '@jupyterlab/translation';

import { ProjectView, RunNotebook } from './tokens';

/** The manifest's `revalidate:` schedule as of today (`revalidation` in the project view). */
export interface Revalidation {
  every: string;
  last: string | null;
  next_due: string;
  overdue: boolean;
  due: boolean;
  notebooks: string[];
  datasets: string[];
  last_run: string | null;
  item: string;
}

/** A run's notebook with the executor and worker that ran it (null until it starts). */
export type ExecutedNotebook = RunNotebook & {
  executor?: 'local' | 'dask' | null;
  worker?: string | null;
  attempts?: number | null;
};

/** The project's revalidation schedule, or null when its manifest has none. */
export function revalidationOf(view: ProjectView): Revalidation | null {
  return (view as ProjectView & { revalidation?: Revalidation | null }).revalidation ?? null;
}

/** `Revalidation every 30d: next due 2026-12-02 (overdue) · last 2026-11-02`. */
export function revalidationText(trans: TranslationBundle, schedule: Revalidation): string {
  const next = schedule.overdue
    ? trans.__('overdue since %1', schedule.next_due)
    : trans.__('next due %1', schedule.next_due);
  const last = schedule.last ? trans.__('last %1', schedule.last) : trans.__('never run');
  return trans.__('Revalidation every %1: %2 · %3', schedule.every, next, last);
}

/** `dask · tcp://10.0.0.7:40123 (retried)`, or null before the notebook started anywhere. */
export function workerText(trans: TranslationBundle, notebook: ExecutedNotebook): string | null {
  if (!notebook.worker) {
    return null;
  }
  const executor = notebook.executor ?? 'local';
  return (notebook.attempts ?? 1) > 1
    ? trans.__('%1 · %2 (retried)', executor, notebook.worker)
    : trans.__('%1 · %2', executor, notebook.worker);
}
