/**
 * Pure functions of a project view that the sidebar shows: which items pass
 * the filters, whose they are, the sign-off state per role, every blocker.
 */
import { Filters } from './model';
import {
  Blocker,
  CLOSED_STATUSES,
  ItemSpec,
  ProjectView,
  Signoff,
  Stage,
  User
} from './tokens';

/** Whether `owner` names the user (their username, name or display name, any case). */
export function isOwnedBy(owner: string | null, user: User): boolean {
  const wanted = (owner ?? '').trim().toLowerCase();
  if (!wanted) {
    return false;
  }
  return [user.username, user.name, user.display_name].some(
    name => (name ?? '').trim().toLowerCase() === wanted
  );
}

/** The items of a stage that pass the filters and the "show done items" setting. */
export function visibleItems(
  view: ProjectView,
  stage: Stage,
  filters: Filters,
  showDone: boolean
): ItemSpec[] {
  const overdue = new Set(view.overdue);
  return stage.items.filter(spec => {
    const state = view.items[spec.key];
    const closed = state ? CLOSED_STATUSES.has(state.status) : false;
    if (closed && (filters.openOnly || !showDone)) {
      return false;
    }
    if (filters.mine && !isOwnedBy(state?.owner ?? null, view.user)) {
      return false;
    }
    if (filters.overdue && !overdue.has(spec.key)) {
      return false;
    }
    return true;
  });
}

/** How many rows a long open stage shows before its "Show N more". */
export const ROW_LIMIT = 5;

/**
 * Whether a stage the user did not open or fold starts open: the stage the project is at (the first
 * whose gate has not passed), or, while a filter is on, every stage (those without matches are not shown).
 */
export function stageOpenByDefault(view: ProjectView, stage: Stage, filtering: boolean): boolean {
  if (filtering) {
    return true;
  }
  const current = view.template.stages.find(candidate => !view.gates[candidate.id]?.passed);
  return current?.id === stage.id;
}

/** Whether an item is still to do: neither done nor not applicable. */
export function isOpenItem(view: ProjectView, key: string): boolean {
  const state = view.items[key];
  return !state || !CLOSED_STATUSES.has(state.status);
}

/** The rows an open stage shows, and how many more it holds behind its "Show N more". */
export interface StageRows {
  shown: ItemSpec[];
  more: number;
}

/**
 * The rows an open stage shows of its visible `items`: all of them when `all`, or when there are at most
 * one more than `ROW_LIMIT`; otherwise its first `ROW_LIMIT` open items (not done, not applicable) in
 * template order, the rest behind "Show N more". A row in `keep` (shown while open) stays though it closed:
 * an item the user just marked done does not vanish under their hands.
 */
export function stageRows(
  view: ProjectView,
  items: ItemSpec[],
  all: boolean,
  keep: ReadonlySet<string> = new Set()
): StageRows {
  if (all || items.length <= ROW_LIMIT + 1) {
    return { shown: items, more: 0 };
  }
  const shown = items.filter(spec => isOpenItem(view, spec.key) || keep.has(spec.key)).slice(0, ROW_LIMIT);
  return { shown, more: items.length - shown.length };
}

/**
 * The rows a stage keeps in place at its next render: those it shows that are open, or that it kept already
 * (an item closed while shown). A row shown only because the user asked for every row is not kept.
 */
export function rowsToKeep(view: ProjectView, shown: ItemSpec[], kept: ReadonlySet<string>): ReadonlySet<string> {
  return new Set(shown.map(spec => spec.key).filter(key => isOpenItem(view, key) || kept.has(key)));
}

/** Who signs a stage off: the roles its gate requires, and the roles that may sign it optionally. */
export interface SignoffRoles {
  required: string[];
  optional: string[];
}

/**
 * The roles that sign a stage off, as the server says (`view.signoff_roles`, where a sign-off policy plugs
 * in); from the template when an older server does not say: the gate's roles, or every role, optionally.
 */
export function signoffRoles(view: ProjectView, stage: Stage): SignoffRoles {
  const fromServer = (view as ProjectView & { signoff_roles?: Record<string, SignoffRoles> }).signoff_roles;
  const said = fromServer?.[stage.id];
  if (said) {
    return said;
  }
  if (stage.gate.signoffs.length > 0) {
    return { required: stage.gate.signoffs, optional: [] };
  }
  return { required: [], optional: view.template.roles.map(role => role.id) };
}

/** The latest sign-off of each role for a stage (a later one by the same role replaces the earlier). */
export function latestSignoffs(view: ProjectView, stageId: string): Map<string, Signoff> {
  const latest = new Map<string, Signoff>();
  for (const signoff of view.signoffs) {
    if (signoff.stage === stageId) {
      latest.set(signoff.role, signoff);
    }
  }
  return latest;
}

/** Every gate's blockers, with the stage they block, in template order. */
export function allBlockers(view: ProjectView): Array<{ stage: Stage; blocker: Blocker }> {
  const found: Array<{ stage: Stage; blocker: Blocker }> = [];
  for (const stage of view.template.stages) {
    for (const blocker of view.gates[stage.id]?.blockers ?? []) {
      found.push({ stage, blocker });
    }
  }
  return found;
}

/** The title of an item by key, or the key itself. */
export function itemTitle(view: ProjectView, key: string): string {
  for (const stage of view.template.stages) {
    for (const item of stage.items) {
      if (item.key === key) {
        return item.title;
      }
    }
  }
  return key;
}

/** One field an audit event changed, as display text. */
export interface AuditChange {
  field: string;
  before: string;
  after: string;
}

function shownValue(value: unknown): string {
  if (value === null || value === undefined || value === '') {
    return '—';
  }
  return typeof value === 'string' ? value : JSON.stringify(value);
}

/**
 * What an audit event changed, field by field: for two objects the fields whose values differ, for a
 * creation every field of the new state, otherwise the whole value before and after.
 */
export function auditChanges(before: unknown, after: unknown): AuditChange[] {
  const isObject = (value: unknown): value is Record<string, unknown> =>
    typeof value === 'object' && value !== null && !Array.isArray(value);
  if (isObject(after) && (isObject(before) || before === null || before === undefined)) {
    const old: Record<string, unknown> = isObject(before) ? before : {};
    const fields = [...new Set([...Object.keys(old), ...Object.keys(after)])];
    return fields
      .filter(field => JSON.stringify(old[field]) !== JSON.stringify(after[field]))
      .filter(field => !['version', 'updated_at', 'updated_by'].includes(field) || !isObject(before))
      .filter(field => isObject(before) || (after[field] !== null && after[field] !== '' && after[field] !== undefined))
      .map(field => ({ field, before: shownValue(old[field]), after: shownValue(after[field]) }));
  }
  return [{ field: '', before: shownValue(before), after: shownValue(after) }];
}
