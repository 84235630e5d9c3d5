/**
 * Sign-offs of a stage as the REST API answers with them, and what the current
 * user may sign (the stages' sign-off policies applied).
 */

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
