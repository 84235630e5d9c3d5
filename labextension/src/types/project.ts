/**
 * A project as the REST API answers with it: its record, template, item states,
 * progress, gates, datasets and framework coverage (see
 * `lifecycle_lab/server/openapi.yaml`).
 */
import { Signoff } from './signoffs';

export type Status =
  | 'todo'
  | 'in_progress'
  | 'done'
  | 'blocked'
  | 'not_applicable';

/** Every status, in the order a user walks through them. */
export const STATUSES: readonly Status[] = [
  'todo',
  'in_progress',
  'blocked',
  'done',
  'not_applicable'
];

/** Statuses that close an item. */
export const CLOSED_STATUSES: ReadonlySet<Status> = new Set<Status>([
  'done',
  'not_applicable'
]);

export interface User {
  username: string;
  name: string;
  display_name: string;
  initials: string | null;
  color: string | null;
}

export interface Project {
  id: string;
  name: string;
  template: string;
  template_version: string;
  /** The project folder relative to the server root ('' is the root). */
  path: string;
  created_at: string;
  created_by: string;
  /** Notebooks a rerun executes, relative to the project folder. */
  notebooks: string[];
  description: string;
}

export interface ItemState {
  key: string;
  status: Status;
  owner: string | null;
  due: string | null;
  notes: string;
  justification: string;
  evidence: unknown;
  version: number;
  updated_by: string | null;
  updated_at: string | null;
}

/**
 * The answer to an item's PATCH: its new state and, from servers that say it,
 * the change feed's position after the write (so a poll does not take the
 * client's own edit for someone else's).
 */
export interface ItemUpdate extends ItemState {
  seq?: number;
}

/** The fields of an item a client may change; absent fields keep their value. */
export interface ItemChanges {
  status?: Status;
  owner?: string | null;
  due?: string | null;
  notes?: string | null;
  justification?: string | null;
  evidence?: unknown;
}

export interface ItemSpec {
  id: string;
  key: string;
  title: string;
  guidance: string;
  why: string;
  required: boolean;
  evidence: string;
  owner_role: string | null;
  automatable: boolean;
  refs: string[];
}

export interface Stage {
  id: string;
  title: string;
  description: string;
  section: string | null;
  gate: { signoffs: string[]; requires: string[] };
  items: ItemSpec[];
}

export interface Role {
  id: string;
  title: string;
  description: string;
}

export interface Template {
  id: string;
  version: string;
  title: string;
  description: string;
  source: string;
  scoring: string | null;
  roles: Role[];
  stages: Stage[];
}

export interface TemplateInfo {
  id: string;
  title: string;
  version: string;
}

export interface Progress {
  done: number;
  applicable: number;
  total: number;
  percent: number;
}

export interface Blocker {
  kind:
    | 'open'
    | 'missing_evidence'
    | 'failing_evidence'
    | 'stale_evidence'
    | 'signoff_missing'
    | 'signoff_rejected'
    | 'signoff_outdated'
    | 'signoff_expired'
    | 'revalidation_overdue';
  target: string;
  message: string;
}

export interface Gate {
  stage: string;
  passed: boolean;
  blockers: Blocker[];
}

export interface DatasetCheck {
  name: string;
  path: string;
  version: number;
  sha256: string;
  size: number;
  files: number;
  kind: string;
  rows: number | null;
  columns: number | null;
  recorded_by: string;
  recorded_at: string;
  current_sha256: string | null;
  status: 'ok' | 'changed' | 'missing';
}

export interface ProjectView {
  user: User;
  project: Project;
  template: Template;
  items: Record<string, ItemState>;
  progress: { overall: Progress; stages: Record<string, Progress> };
  overdue: string[];
  stale: Record<string, string[]>;
  gates: Record<string, Gate>;
  signoffs: Signoff[];
  ready: boolean;
  status: 'ready' | 'blocked';
  datasets: DatasetCheck[];
  seq: number;
  /** Coverage totals of the frameworks the manifest lists (older servers omit it). */
  coverage?: CoverageSummary[];
}

/** How far the checklist serves one framework's clauses (see docs/frameworks.md). */
export interface CoverageSummary {
  id: string;
  title: string;
  version: string;
  clauses: number;
  satisfied: number;
  open: number;
  uncovered: number;
  excluded: number;
  percent: number;
  covered_percent: number;
}
