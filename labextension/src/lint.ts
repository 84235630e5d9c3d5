/**
 * The reproducibility lint as the sidebar shows it: findings grouped by
 * notebook, and the findings that explain a rerun's differing cell. Pure: the
 * server computes the findings (GET /projects/{id}/lint); this only arranges them.
 */

/** One lint finding (`lifecycle_lab.lint.Finding.to_json`). */
export interface LintFinding {
  id: string;
  rule: string;
  severity: 'info' | 'warning' | 'error';
  path: string;
  /** 0-based position of the cell in the notebook; null for a project-wide finding. */
  cell: number | null;
  cell_id: string | null;
  /** 1-based line in the cell's source; null when the finding is about the whole cell. */
  line: number | null;
  message: string;
  fix: string;
}

/** A data file a notebook reads that is not a registered dataset. */
export interface UnregisteredFile {
  path: string;
  size: number;
  reader: string;
}

/** The answer of GET /projects/{id}/lint. */
export interface LintReport {
  findings: LintFinding[];
  counts: { info: number; warning: number; error: number };
  suppressed: number;
  disabled: string[];
  notebooks: { path: string; sha256: string | null; cells: number; findings: number }[];
  unregistered: UnregisteredFile[];
}

/** The findings of each file, in the order the report lists them (notebooks, then the manifest). */
export function findingsByFile(report: LintReport): Map<string, LintFinding[]> {
  const byFile = new Map<string, LintFinding[]>();
  for (const finding of report.findings) {
    const list = byFile.get(finding.path) ?? [];
    list.push(finding);
    byFile.set(finding.path, list);
  }
  return byFile;
}

/**
 * The findings that explain why a rerun's cell differs: those in that cell of
 * that notebook, worst first. The rerun records the cell's position and id; the
 * id wins when both sides have one (the cell may have moved since the run).
 */
export function explainingFindings(
  report: LintReport | null,
  path: string,
  cell: { index: number; cell_id?: string | null }
): LintFinding[] {
  if (!report) {
    return [];
  }
  const rank = { error: 0, warning: 1, info: 2 };
  return report.findings
    .filter(
      f =>
        f.path === path &&
        f.cell !== null &&
        (cell.cell_id && f.cell_id ? f.cell_id === cell.cell_id : f.cell === cell.index)
    )
    .sort((a, b) => rank[a.severity] - rank[b.severity]);
}

/** Where a finding is, for people: "cell 3, line 2" (cells and lines counted from 1). */
export function findingPlace(finding: LintFinding): string {
  if (finding.cell === null) {
    return '';
  }
  return finding.line === null ? `cell ${finding.cell + 1}` : `cell ${finding.cell + 1}, line ${finding.line}`;
}

/** A byte count for people: 512 B, 2.0 kB, 1.5 MB. */
export function formatSize(bytes: number): string {
  if (bytes < 1000) {
    return `${bytes} B`;
  }
  const units = ['kB', 'MB', 'GB', 'TB'];
  let value = bytes / 1000;
  let unit = 0;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit += 1;
  }
  return `${value.toFixed(1)} ${units[unit]}`;
}

/** The part of a run record the explanation reads: each notebook's differing cells. */
export interface RunCells {
  notebooks: {
    path: string;
    diffs?: { cells: { index: number; cell_id: string | null; status: string }[] } | null;
  }[];
}

/** A differing cell of a rerun with the lint findings that explain it. */
export interface Explanation {
  path: string;
  index: number;
  findings: LintFinding[];
}

/** The rerun's differing cells that the lint explains (cells it cannot explain are left out). */
export function explainRun(report: LintReport | null, run: RunCells | null): Explanation[] {
  if (!report || !run) {
    return [];
  }
  const explained: Explanation[] = [];
  for (const notebook of run.notebooks) {
    for (const cell of notebook.diffs?.cells ?? []) {
      if (cell.status !== 'differs') {
        continue;
      }
      const findings = explainingFindings(report, notebook.path, cell);
      if (findings.length > 0) {
        explained.push({ path: notebook.path, index: cell.index, findings });
      }
    }
  }
  return explained;
}
