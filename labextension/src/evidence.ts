/**
 * What the sidebar says about an item's evidence, by evidence kind: pure
 * functions of the evidence and the project view (dataset checks).
 */
import { DatasetCheck, ProjectView } from './tokens';

export type DatasetState = 'ok' | 'changed' | 'missing' | 'unknown';

export interface MetricResult {
  segment: string;
  value: number | null;
  low: number | null;
  high: number | null;
}

export type EvidenceSummary =
  | { kind: 'none' }
  | { kind: 'text'; text: string }
  | {
      kind: 'problem_statement';
      statement: string;
      metric: string | null;
      target: number | null;
      baseline: number | null;
    }
  | { kind: 'failure_modes'; count: number; severe: number }
  | {
      kind: 'datasets';
      versions: Array<{ dataset: string; version: number; state: DatasetState }>;
    }
  | { kind: 'hyperparameters'; count: number; source: string | null }
  | {
      kind: 'metrics';
      metric: string;
      confidence: number | null;
      results: MetricResult[];
    }
  | { kind: 'rerun'; verdict: string; runId: string; finishedAt: string | null }
  | { kind: 'link'; url: string; title: string | null }
  | { kind: 'date'; date: string; note: string | null }
  | { kind: 'decision_log'; count: number; last: string | null }
  | { kind: 'test'; mode: string; lastRun: string | null }
  | { kind: 'other'; fields: number };

type Json = Record<string, unknown>;

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function str(value: unknown): string | null {
  return typeof value === 'string' ? value : null;
}

function num(value: unknown): number | null {
  return typeof value === 'number' && Number.isFinite(value) ? value : null;
}

function rows(value: unknown): Json[] {
  return Array.isArray(value) ? value.filter(isObject) : [];
}

/**
 * How a recorded dataset version compares with the data on disk now: changed
 * when the data's hash differs from the fingerprint recorded with the evidence
 * (or the store's check says so), missing when the data is gone.
 */
export function datasetState(
  checks: DatasetCheck[],
  dataset: string,
  fingerprint: string | null
): DatasetState {
  const check = checks.find(c => c.name === dataset);
  if (!check) {
    return 'unknown';
  }
  if (check.current_sha256 === null || check.status === 'missing') {
    return 'missing';
  }
  if (fingerprint !== null && fingerprint !== check.current_sha256) {
    return 'changed';
  }
  return check.status === 'changed' ? 'changed' : 'ok';
}

/** The summary of one item's evidence of kind `kind`. */
export function summarizeEvidence(
  kind: string,
  evidence: unknown,
  view: Pick<ProjectView, 'datasets'>
): EvidenceSummary {
  if (!isObject(evidence)) {
    return { kind: 'none' };
  }
  switch (kind) {
    case 'text':
      return { kind: 'text', text: str(evidence.text) ?? '' };
    case 'problem_statement':
      return {
        kind: 'problem_statement',
        statement: str(evidence.statement) ?? '',
        metric: str(evidence.objective_metric),
        target: num(evidence.target),
        baseline: num(evidence.baseline)
      };
    case 'failure_modes': {
      const modes = rows(evidence.rows);
      const severe = modes.filter(
        row => row.severity === 'high' || row.severity === 'critical'
      ).length;
      return { kind: 'failure_modes', count: modes.length, severe };
    }
    case 'datasets':
      return {
        kind: 'datasets',
        versions: rows(evidence.versions).map(row => ({
          dataset: str(row.dataset) ?? '',
          version: num(row.version) ?? 0,
          state: datasetState(view.datasets, str(row.dataset) ?? '', str(row.fingerprint))
        }))
      };
    case 'hyperparameters':
      return {
        kind: 'hyperparameters',
        count: isObject(evidence.params) ? Object.keys(evidence.params).length : 0,
        source: str(evidence.source)
      };
    case 'metrics':
      return {
        kind: 'metrics',
        metric: str(evidence.metric) ?? '',
        confidence: num(evidence.confidence),
        results: rows(evidence.results).map(row => ({
          segment: str(row.segment) ?? '',
          value: num(row.value),
          low: num(row.ci_low),
          high: num(row.ci_high)
        }))
      };
    case 'rerun':
      return {
        kind: 'rerun',
        verdict: str(evidence.verdict) ?? '',
        runId: str(evidence.run_id) ?? '',
        finishedAt: str(evidence.finished_at)
      };
    case 'link':
      return { kind: 'link', url: str(evidence.url) ?? '', title: str(evidence.title) };
    case 'date':
      return { kind: 'date', date: str(evidence.date) ?? '', note: str(evidence.note) };
    case 'decision_log': {
      const entries = rows(evidence.entries);
      const last = entries.length > 0 ? str(entries[entries.length - 1].decision) : null;
      return { kind: 'decision_log', count: entries.length, last };
    }
    case 'test':
      return { kind: 'test', mode: str(evidence.mode) ?? '', lastRun: str(evidence.last_run) };
    default:
      return { kind: 'other', fields: Object.keys(evidence).length };
  }
}

/** A URL safe to put in a link: http(s) only (never `javascript:` or `data:` from user text). */
export function safeHref(url: string): string | null {
  return /^https?:\/\//i.test(url.trim()) ? url.trim() : null;
}

/** A number for display: up to 4 significant decimals, no exponent noise. */
export function formatNumber(value: number | null): string {
  if (value === null) {
    return '–';
  }
  return Number.isInteger(value) ? String(value) : String(Number(value.toPrecision(4)));
}
