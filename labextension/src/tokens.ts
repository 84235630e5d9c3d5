/**
 * The shapes the REST API answers with (see `lifecycle_lab/server/openapi.yaml`
 * and `docs/rerun.md`), the client interface the model depends on, and the
 * token other plugins use to reach the model.
 */
import { PartialJSONObject, Token } from '@lumino/coreutils';
import { ISignal } from '@lumino/signaling';

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

export type Decision = 'approve' | 'reject';

export interface Signoff {
  id: number;
  stage: string;
  role: string;
  decision: Decision;
  comment: string;
  user: string;
  at: string;
  snapshot: string;
  outdated: boolean;
}

export interface NewSignoff {
  stage: string;
  role: string;
  decision: Decision;
  comment: string;
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

export interface AuditEvent {
  seq: number;
  at: string;
  actor: string;
  project: string;
  action: string;
  target: string;
  before: unknown;
  after: unknown;
  prev_hash: string;
  hash: string;
}

export interface ChangeFeed {
  seq: number;
  events: AuditEvent[];
}

export interface ChainCheck {
  ok: boolean;
  events: number;
  head: string;
  broken_seq: number | null;
  message: string;
  /** `refused`: a keyed chain the server has not the key of (nothing was verified). */
  refused?: boolean;
  mode?: 'empty' | 'unkeyed' | 'keyed' | 'mixed';
}

/** How far the newest anchor of the audit chain is behind its last event. */
export interface AnchorStatus {
  head_seq: number;
  anchored_seq: number | null;
  anchored_at: string | null;
  source: string | null;
  behind: number;
}

/** The whole verification: chain, anchors, state replay (`problems`: one line each). */
export interface AuditVerification {
  ok: boolean;
  refused: boolean;
  problems: string[];
}

export interface AuditLog {
  seq: number;
  events: AuditEvent[];
  chain?: ChainCheck;
  verification?: AuditVerification;
  anchor?: AnchorStatus;
}

export type RunStatus =
  | 'queued'
  | 'running'
  | 'finished'
  | 'failed'
  | 'cancelled';

export type Verdict =
  | 'reproduced'
  | 'within_tolerance'
  | 'differs'
  | 'failed'
  | 'timed_out'
  | 'cancelled';

/** Verdicts that count as reproduced. */
export const PASSING_VERDICTS: ReadonlySet<string> = new Set([
  'reproduced',
  'within_tolerance'
]);

export interface Tolerance {
  rel: number;
  abs: number;
}

export interface CellOutput {
  kind: string;
  text: string;
}

export interface FirstDifference {
  output: number;
  kind: string;
  line: number;
  expected: string;
  actual: string;
  relative?: number | null;
  absolute?: number | null;
  message: string;
}

export interface CellDiff {
  index: number;
  cell_id: string | null;
  source: string;
  status: string;
  expected: CellOutput[];
  actual: CellOutput[];
  first_difference?: FirstDifference | null;
  /** Why the cell differs: number, randomness, ordering, environment, time, path, image, error, text… */
  reason?: string | null;
  reason_detail?: string | null;
  /** Images compared by pixels; the pictures are PNG `data:` URIs when the record kept them. */
  images?: ImageDiff[];
}

export interface ImageDiff {
  output: number;
  kind: string;
  status: string;
  distance: number | null;
  tolerance: number;
  message: string;
  expected?: string | null;
  actual?: string | null;
  difference?: string | null;
}

export interface NotebookDiffs {
  against: string;
  verdict: string;
  counts: Record<string, number>;
  cells: CellDiff[];
  omitted_cells: number;
  notes: string[];
  warnings: string[];
  /** With `twice`: the second execution, relative to the project folder. */
  other_path?: string;
}

export interface RunNotebook {
  position: number;
  path: string;
  status: RunStatus;
  verdict: Verdict | null;
  kernel: string | null;
  cells_done: number;
  cells_total: number;
  /** The executed notebook, relative to the project folder. */
  output_path: string | null;
  duration: number | null;
  error: { kind: string; message: string } | null;
  diffs: NotebookDiffs | null;
}

export interface Run {
  id: string;
  project_id: string;
  status: RunStatus;
  verdict: Verdict | null;
  twice: boolean;
  requested_by: string;
  created_at: string;
  started_at: string | null;
  finished_at: string | null;
  error: string | null;
  active: boolean;
  progress: {
    cells_done: number;
    cells_total: number;
    notebooks_done: number;
    notebooks_total: number;
  };
  options: { tolerance?: Tolerance } & Record<string, unknown>;
  notebooks: RunNotebook[];
}

export type ExportFormat = 'pdf' | 'md' | 'html' | 'json' | 'model-card';

export const EXPORT_FORMATS: readonly ExportFormat[] = [
  'pdf',
  'md',
  'html',
  'json',
  'model-card'
];

export interface ExportFile {
  blob: Blob;
  filename: string;
}

/** Which execution of a run's notebook: 1, or 2 for the second of a `twice` run. */
export type Execution = 1 | 2;

/** A notebook as a run executed it (`GET …/runs/{run_id}/notebooks/{position}`). */
export interface ExecutedNotebook {
  /** The notebook, nbformat 4 JSON, outputs included. */
  notebook: PartialJSONObject;
  /** When the run last wrote it (ISO 8601), from `Last-Modified`; null when the server did not say. */
  lastModified: string | null;
}

/** A view answer: the view and its ETag, or null when unchanged since the ETag sent. */
export interface ViewAnswer {
  view: ProjectView;
  etag: string | null;
}

/**
 * The REST calls the model makes; `LifecycleClient` implements it over HTTP.
 */
export interface ILifecycleAPI {
  /** The project holding a file or folder, or null when there is none. */
  findProject(path: string): Promise<Project | null>;
  createProject(path: string, template: string): Promise<Project>;
  templates(): Promise<TemplateInfo[]>;
  /** The full view; null when it did not change since `etag`. */
  view(projectId: string, etag: string | null): Promise<ViewAnswer | null>;
  /** Rejects with an `APIError` of status 409 (body `current`) when `version` is stale. */
  updateItem(
    projectId: string,
    key: string,
    changes: ItemChanges,
    version: number
  ): Promise<ItemState>;
  signoff(projectId: string, signoff: NewSignoff): Promise<Signoff>;
  /** What the current user may sign, per stage and role (the stages' sign-off policies applied). */
  allowedSignoffs(projectId: string): Promise<AllowedSignoffs>;
  changes(projectId: string, since: number): Promise<ChangeFeed>;
  /** Events after `since` (a page of at most 1000); `verify` adds the hash-chain check. */
  audit(projectId: string, since: number, verify: boolean): Promise<AuditLog>;
  /** `twice`: run each notebook twice from scratch and compare the two runs. */
  startRun(projectId: string, twice?: boolean): Promise<Run>;
  run(projectId: string, runId: string): Promise<Run>;
  runs(projectId: string): Promise<Run[]>;
  cancelRun(projectId: string, runId: string): Promise<Run>;
  exportProject(projectId: string, format: ExportFormat): Promise<ExportFile>;
  /** Rejects with an `APIError` of status 404 while the run has not written that notebook. */
  executedNotebook(
    projectId: string,
    runId: string,
    position: number,
    execution: Execution
  ): Promise<ExecutedNotebook>;
}

/** Whether the current user may sign a stage as a role, and the policy rule that refuses when not. */
export interface AllowedRole {
  role: string;
  required: boolean;
  approve: boolean;
  reject: boolean;
  rule?: 'role' | 'separation_of_duties' | 'evidence';
  message?: string;
}

export interface AllowedSignoffs {
  user: string;
  roles: string[];
  stages: Record<string, { policy: Record<string, unknown> | null; roles: AllowedRole[] }>;
}

/** The sidebar's model as other plugins (status bar, commands) see it. */
export interface ILifecycleModel {
  readonly changed: ISignal<ILifecycleModel, void>;
  readonly view: ProjectView | null;
}

export const ILifecycleModel = new Token<ILifecycleModel>(
  'lifecycle-lab:ILifecycleModel',
  'The Lifecycle checklist of the project of the active notebook or folder.'
);
