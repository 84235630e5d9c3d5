/**
 * The files a rerun created, changed or deleted (`files` of a run record, see
 * `RunFiles` in `lifecycle_lab/server/openapi.yaml`), and how they read.
 */

/** A file as a rerun's listing saw it. */
export interface RunFileState {
  size: number;
  sha256: string;
}

/** One file a rerun touched. */
export interface RunFileChange {
  path: string;
  change: 'created' | 'changed' | 'deleted';
  before: RunFileState | null;
  after: RunFileState | null;
}

/** What a rerun did to the files of the folder it ran in (the project, or its sandbox copy). */
export interface RunFileChanges {
  where: 'project' | 'sandbox';
  changes: RunFileChange[];
  omitted: number;
  skipped: string | null;
}

/** A size in bytes as people read it: 512 B, 1.5 KB, 12.3 MB. */
export function sizeText(bytes: number): string {
  const units = ['B', 'KB', 'MB', 'GB', 'TB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return unit === 0 ? `${bytes} B` : `${value.toFixed(1)} ${units[unit]}`;
}

/** The first 12 hex digits of a sha256: enough to tell two versions apart; the whole goes in a tooltip. */
export function shortHash(sha256: string): string {
  return sha256.slice(0, 12);
}
