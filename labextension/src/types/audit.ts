/**
 * The audit log and the change feed as the REST API answers with them: events,
 * the hash chain's verification and how far its anchors are behind.
 */

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
