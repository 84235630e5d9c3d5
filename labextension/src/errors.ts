import { ServerConnection } from '@jupyterlab/services';

/**
 * The server's JSON error document (`{message, field?, current?}`).
 */
export interface ErrorBody {
  message: string;
  field?: string;
  current?: unknown;
}

/**
 * What every failed REST call rejects with: jupyter's `ResponseError` with the
 * server's message, plus the whole error document (`current` on a 409).
 */
export class APIError extends ServerConnection.ResponseError {
  constructor(
    response: Response,
    readonly body: ErrorBody
  ) {
    super(response, body.message);
    this.name = 'APIError';
  }

  get status(): number {
    return this.response.status;
  }
}

/** What the server has now, from a 409 refusal that sends it (`current`); null for any other rejection. */
export function conflictCurrent<T>(reason: unknown): T | null {
  if (reason instanceof APIError && reason.status === 409 && reason.body.current) {
    return reason.body.current as T;
  }
  return null;
}

/** The message to show for any rejection (an APIError's server message, else the error's text). */
export function errorMessage(reason: unknown): string {
  if (reason instanceof Error) {
    return reason.message;
  }
  return String(reason);
}
