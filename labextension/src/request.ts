import { URLExt } from '@jupyterlab/coreutils';
import { ServerConnection } from '@jupyterlab/services';

import { APIError, ErrorBody } from './errors';
import { nameHeaders } from './identity';

/** Where the lifecycle REST API lives, under the server's base URL. */
export const API_NAMESPACE = 'lifecycle-lab/api';

export interface RequestOptions {
  method?: 'GET' | 'POST' | 'PATCH' | 'DELETE';
  /** Sent as JSON. */
  json?: unknown;
  query?: Record<string, string | number | boolean | undefined>;
  headers?: Record<string, string>;
  /** `blob` for downloads; JSON otherwise. */
  responseType?: 'json' | 'blob';
}

export interface APIResponse<T> {
  status: number;
  headers: Headers;
  /** The parsed body; null for a bodiless answer (204, 304). */
  body: T;
}

/**
 * The one request helper: calls `/lifecycle-lab/api/<endpoint>` with the
 * JupyterLab session (cookie and XSRF token) and parses the answer. Any status
 * of 400 or more rejects with an `APIError` carrying the server's message.
 */
export async function requestAPI<T>(
  endpoint: string,
  options: RequestOptions = {},
  settings: ServerConnection.ISettings = ServerConnection.makeSettings()
): Promise<APIResponse<T>> {
  const query = Object.entries(options.query ?? {})
    .filter(([, value]) => value !== undefined)
    .map(
      ([name, value]) =>
        `${encodeURIComponent(name)}=${encodeURIComponent(String(value))}`
    )
    .join('&');
  const url =
    URLExt.join(settings.baseUrl, API_NAMESPACE, endpoint) +
    (query ? `?${query}` : '');
  const init: RequestInit = {
    method: options.method ?? 'GET',
    headers: {
      ...(options.json !== undefined
        ? { 'Content-Type': 'application/json' }
        : {}),
      ...nameHeaders(),
      ...options.headers
    },
    body: options.json !== undefined ? JSON.stringify(options.json) : undefined
  };

  // A failed connection rejects with jupyter's NetworkError (makeRequest wraps it).
  const response = await ServerConnection.makeRequest(url, init, settings);

  if (response.status >= 400) {
    throw new APIError(response, await errorBody(response));
  }
  if (response.status === 204 || response.status === 304) {
    return { status: response.status, headers: response.headers, body: null as T };
  }
  const body =
    options.responseType === 'blob'
      ? await response.blob()
      : await response.json();
  return { status: response.status, headers: response.headers, body: body as T };
}

async function errorBody(response: Response): Promise<ErrorBody> {
  const text = await response.text();
  try {
    const parsed = JSON.parse(text);
    if (parsed && typeof parsed.message === 'string') {
      return parsed as ErrorBody;
    }
  } catch {
    // Not JSON (a proxy's error page, say): fall back to the status line.
  }
  return { message: `${response.status} ${response.statusText}`.trim() };
}
