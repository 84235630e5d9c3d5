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

/** The message to show for any rejection (an APIError's server message, else the error's text). */
export function errorMessage(reason: unknown): string {
  if (reason instanceof Error) {
    return reason.message;
  }
  return String(reason);
}
