import { ServerConnection } from '@jupyterlab/services';
import { PartialJSONObject } from '@lumino/coreutils';

import { APIError } from './errors';
import { requestAPI, RequestOptions } from './request';
import {
  AllowedSignoffs,
  AuditLog,
  ChangeFeed,
  ExecutedNotebook,
  Execution,
  ExportFile,
  ExportFormat,
  ILifecycleAPI,
  ItemChanges,
  ItemUpdate,
  NewSignoff,
  Project,
  ProjectView,
  Run,
  RunRequest,
  Signoff,
  TemplateInfo,
  ViewAnswer
} from './tokens';

/**
 * The lifecycle REST API over HTTP, every call through `requestAPI`.
 */
export class LifecycleClient implements ILifecycleAPI {
  constructor(settings?: ServerConnection.ISettings) {
    this._settings = settings ?? ServerConnection.makeSettings();
  }

  async findProject(path: string): Promise<Project | null> {
    try {
      return (await this._get<Project>('projects', { path })).body;
    } catch (reason) {
      if (reason instanceof APIError && reason.status === 404) {
        return null;
      }
      throw reason;
    }
  }

  createProject(path: string, template: string): Promise<Project> {
    return this._body<Project>('projects', { method: 'POST', json: { path, template } });
  }

  async templates(): Promise<TemplateInfo[]> {
    return (await this._body<{ templates: TemplateInfo[] }>('templates')).templates;
  }

  async view(projectId: string, etag: string | null): Promise<ViewAnswer | null> {
    const answer = await requestAPI<ProjectView | null>(
      this._project(projectId),
      { headers: etag ? { 'If-None-Match': etag } : {} },
      this._settings
    );
    if (answer.status === 304 || answer.body === null) {
      return null;
    }
    return { view: answer.body, etag: answer.headers.get('ETag') };
  }

  updateItem(projectId: string, key: string, changes: ItemChanges, version: number): Promise<ItemUpdate> {
    const [stage, item] = key.split('/');
    return this._body<ItemUpdate>(this._project(projectId, 'items', stage, item), {
      method: 'PATCH',
      json: changes,
      headers: { 'If-Match': `"${version}"` }
    });
  }

  signoff(projectId: string, signoff: NewSignoff): Promise<Signoff> {
    return this._body<Signoff>(this._project(projectId, 'signoffs'), { method: 'POST', json: signoff });
  }

  allowedSignoffs(projectId: string): Promise<AllowedSignoffs> {
    return this._body<AllowedSignoffs>(this._project(projectId, 'signoffs', 'allowed'));
  }

  changes(projectId: string, since: number): Promise<ChangeFeed> {
    return this._body<ChangeFeed>(this._project(projectId, 'changes'), { query: { since } });
  }

  audit(projectId: string, since: number, verify: boolean): Promise<AuditLog> {
    const query = { since, verify: verify ? 1 : undefined };
    return this._body<AuditLog>(this._project(projectId, 'audit'), { query });
  }

  startRun(projectId: string, options: RunRequest = {}): Promise<Run> {
    const json: PartialJSONObject = {};
    for (const [option, on] of Object.entries(options)) {
      if (on) {
        json[option] = true;
      }
    }
    return this._body<Run>(this._project(projectId, 'runs'), { method: 'POST', json });
  }

  run(projectId: string, runId: string): Promise<Run> {
    return this._body<Run>(this._project(projectId, 'runs', runId));
  }

  async runs(projectId: string): Promise<Run[]> {
    return (await this._body<{ runs: Run[] }>(this._project(projectId, 'runs'))).runs;
  }

  cancelRun(projectId: string, runId: string): Promise<Run> {
    return this._body<Run>(this._project(projectId, 'runs', runId), { method: 'DELETE' });
  }

  async exportProject(projectId: string, format: ExportFormat): Promise<ExportFile> {
    const answer = await requestAPI<Blob>(
      this._project(projectId, 'export'),
      { query: { format }, responseType: 'blob' },
      this._settings
    );
    const filename = attachmentName(answer.headers.get('Content-Disposition')) ?? `lifecycle.${format}`;
    return { blob: answer.body, filename };
  }

  async executedNotebook(
    projectId: string,
    runId: string,
    position: number,
    execution: Execution
  ): Promise<ExecutedNotebook> {
    const answer = await this._get<PartialJSONObject>(
      this._project(projectId, 'runs', runId, 'notebooks', String(position)),
      { execution: execution === 1 ? undefined : execution }
    );
    const modified = answer.headers.get('Last-Modified');
    return {
      notebook: answer.body,
      lastModified: modified ? new Date(modified).toISOString() : null
    };
  }

  private _get<T>(endpoint: string, query: RequestOptions['query'] = {}) {
    return requestAPI<T>(endpoint, { query }, this._settings);
  }

  /** A call whose answer is only its parsed body. */
  private async _body<T>(endpoint: string, options: RequestOptions = {}): Promise<T> {
    return (await requestAPI<T>(endpoint, options, this._settings)).body;
  }

  /** `projects/<id>/<segment>/…`, every segment URL-encoded here and only here. */
  private _project(projectId: string, ...segments: string[]): string {
    return ['projects', projectId, ...segments].map(encodeURIComponent).join('/');
  }

  private _settings: ServerConnection.ISettings;
}

/** The file name of a `Content-Disposition: attachment` header (RFC 6266, `filename*` preferred). */
export function attachmentName(header: string | null): string | null {
  if (!header) {
    return null;
  }
  const extended = /filename\*\s*=\s*[^']*'[^']*'([^;]+)/i.exec(header);
  if (extended) {
    try {
      return decodeURIComponent(extended[1].trim());
    } catch {
      // A malformed escape: fall back to the plain parameter.
    }
  }
  const plain = /filename\s*=\s*"([^"]*)"|filename\s*=\s*([^;]+)/i.exec(header);
  const name = plain ? (plain[1] ?? plain[2]).trim() : '';
  return name || null;
}
