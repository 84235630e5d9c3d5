/**
 * The error every failed REST call rejects with: the HTTP status and the
 * server's JSON error document (`{message, field?, current?}`).
 */
export interface ErrorBody {
  message: string;
  field?: string;
  current?: unknown;
}

export class APIError extends Error {
  constructor(
    readonly status: number,
    readonly body: ErrorBody
  ) {
    super(body.message);
    this.name = 'APIError';
  }
}

/** The message to show for any rejection (an APIError's server message, else the error's text). */
export function errorMessage(reason: unknown): string {
  if (reason instanceof Error) {
    return reason.message;
  }
  return String(reason);
}
