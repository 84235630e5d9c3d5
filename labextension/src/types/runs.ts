/**
 * Reproducibility runs as the REST API answers with them (see `docs/rerun.md`):
 * the run, its notebooks, their verdicts and the differences of their outputs.
 */
import { PartialJSONObject } from '@lumino/coreutils';

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

/** The options of a new rerun (POST /runs); none: each notebook once, in the project folder. */
export interface RunRequest {
  /** Run each notebook twice from scratch and compare the two runs (finds nondeterminism). */
  twice?: boolean;
  /** Execute in a temporary copy of the project, so the user's files are untouched. */
  sandbox?: boolean;
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

/** Which execution of a run's notebook: 1, or 2 for the second of a `twice` run. */
export type Execution = 1 | 2;

/** A notebook as a run executed it (`GET …/runs/{run_id}/notebooks/{position}`). */
export interface ExecutedNotebook {
  /** The notebook, nbformat 4 JSON, outputs included. */
  notebook: PartialJSONObject;
  /** When the run last wrote it (ISO 8601), from `Last-Modified`; null when the server did not say. */
  lastModified: string | null;
}
