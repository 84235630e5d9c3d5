/**
 * Translated labels of the API's enumerations (statuses, verdicts, blockers, formats).
 */
import { TranslationBundle } from '@jupyterlab/translation';

import { DatasetState } from '../evidence';
import { Blocker, ExportFormat, ItemChanges, Run, RunStatus, Status } from '../tokens';

export function statusLabel(trans: TranslationBundle, status: Status): string {
  switch (status) {
    case 'todo':
      return trans.__('To do');
    case 'in_progress':
      return trans.__('In progress');
    case 'done':
      return trans.__('Done');
    case 'blocked':
      return trans.__('Blocked');
    case 'not_applicable':
      return trans.__('Not applicable');
  }
}

export function fieldLabel(trans: TranslationBundle, field: keyof ItemChanges): string {
  switch (field) {
    case 'status':
      return trans.__('Status');
    case 'owner':
      return trans.__('Owner');
    case 'due':
      return trans.__('Due');
    case 'notes':
      return trans.__('Notes');
    case 'justification':
      return trans.__('Justification');
    case 'evidence':
      return trans.__('Evidence');
  }
}

export function verdictLabel(trans: TranslationBundle, verdict: string | null): string {
  switch (verdict) {
    case 'reproduced':
      return trans.__('Reproduced');
    case 'within_tolerance':
      return trans.__('Within tolerance');
    case 'differs':
      return trans.__('Differs');
    case 'failed':
      return trans.__('Failed');
    case 'timed_out':
      return trans.__('Timed out');
    case 'cancelled':
      return trans.__('Cancelled');
    case null:
      return trans.__('No verdict yet');
    default:
      return verdict;
  }
}

/** How many cells of a compared notebook fell in each comparison class. */
export function cellCountLabel(trans: TranslationBundle, status: string, count: number): string {
  switch (status) {
    case 'identical':
      return trans.__('%1 identical', count);
    case 'within_tolerance':
      return trans.__('%1 within tolerance', count);
    case 'differs':
      return trans._n('%1 differs', '%1 differ', count);
    case 'skipped':
      return trans.__('%1 skipped', count);
    case 'ignored':
      return trans.__('%1 ignored', count);
    default:
      return `${count} ${status}`;
  }
}

export function runStatusLabel(trans: TranslationBundle, status: RunStatus): string {
  switch (status) {
    case 'queued':
      return trans.__('Queued');
    case 'running':
      return trans.__('Running');
    case 'finished':
      return trans.__('Finished');
    case 'failed':
      return trans.__('Failed');
    case 'cancelled':
      return trans.__('Cancelled');
  }
}

/** A run's status while it is active, its verdict once it is over. */
export function runLabel(trans: TranslationBundle, run: Pick<Run, 'active' | 'status' | 'verdict'>): string {
  return run.active ? runStatusLabel(trans, run.status) : verdictLabel(trans, run.verdict);
}

/** How a recorded dataset version compares with the data on disk now. */
export function datasetNote(trans: TranslationBundle, state: DatasetState): string {
  switch (state) {
    case 'changed':
      return trans.__('changed since recorded');
    case 'missing':
      return trans.__('missing on disk');
    case 'unknown':
      return trans.__('not registered');
    case 'ok':
      return trans.__('matches the data');
  }
}

export function blockerLabel(trans: TranslationBundle, kind: Blocker['kind']): string {
  switch (kind) {
    case 'open':
      return trans.__('open');
    case 'missing_evidence':
      return trans.__('evidence missing');
    case 'failing_evidence':
      return trans.__('evidence failing');
    case 'stale_evidence':
      return trans.__('evidence stale');
    case 'signoff_missing':
      return trans.__('sign-off missing');
    case 'signoff_rejected':
      return trans.__('sign-off rejected');
    case 'signoff_outdated':
      return trans.__('sign-off outdated');
    case 'signoff_expired':
      return trans.__('sign-off expired');
    case 'revalidation_overdue':
      return trans.__('revalidation overdue');
  }
}

export function formatLabel(trans: TranslationBundle, format: ExportFormat): string {
  switch (format) {
    case 'pdf':
      return trans.__('PDF');
    case 'md':
      return trans.__('Markdown');
    case 'html':
      return trans.__('HTML');
    case 'json':
      return trans.__('JSON');
    case 'model-card':
      return trans.__('Model card (Hugging Face)');
  }
}

/** The classes of a badge for a state that passes (ok) or blocks. */
export function badgeClass(ok: boolean): string {
  return `jp-LifecycleLab-badge ${ok ? 'jp-LifecycleLab-badge-ok' : 'jp-LifecycleLab-badge-blocked'}`;
}

/** Text cut to at most `max` characters, with an ellipsis when cut. */
export function truncate(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max)}…` : text;
}

/** A timestamp in the user's locale (the API sends UTC ISO strings). */
export function formatTime(iso: string | null): string {
  if (!iso) {
    return '';
  }
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? iso : date.toLocaleString();
}

/**
 * A recorded actor as a person reads: `Olga Petrova <olga>` → `Olga Petrova`, `Dana <anonymous:cb8a…>` →
 * `Dana (anonymous)`; a bare user name as it is (see lifecycle_lab/identity.py).
 */
export function personShown(actor: string): string {
  const match = /^(.*\S) <(anonymous:)?[^<>]+>$/.exec(actor);
  if (!match) {
    return actor;
  }
  return match[2] ? `${match[1]} (anonymous)` : match[1];
}
