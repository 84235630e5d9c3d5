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

/** The roles that sign a stage off: the gate's, or every template role when the gate names none. */
export function signoffRoles(view: ProjectView, stage: Stage): string[] {
  if (stage.gate.signoffs.length > 0) {
    return stage.gate.signoffs;
  }
  return view.template.roles.map(role => role.id);
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
