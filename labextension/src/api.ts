import { ServerConnection } from '@jupyterlab/services';
import { PartialJSONObject } from '@lumino/coreutils';

import { APIError } from './errors';
import { requestAPI } from './request';
import {
  AuditLog,
  ChangeFeed,
  ExecutedNotebook,
  Execution,
  ExportFile,
  ExportFormat,
  ILifecycleAPI,
  ItemChanges,
  ItemState,
  NewSignoff,
  Project,
  ProjectView,
  Run,
  Signoff,
  TemplateInfo,
  ViewAnswer
} from './tokens';

const EXPORT_EXTENSIONS: Record<ExportFormat, string> = {
  pdf: 'pdf',
  md: 'md',
  html: 'html',
  json: 'json'
};

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

  async createProject(path: string, template: string): Promise<Project> {
    const answer = await requestAPI<Project>(
      'projects',
      { method: 'POST', json: { path, template } },
      this._settings
    );
    return answer.body;
  }

  async templates(): Promise<TemplateInfo[]> {
    const answer = await this._get<{ templates: TemplateInfo[] }>('templates');
    return answer.body.templates;
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

  async updateItem(
    projectId: string,
    key: string,
    changes: ItemChanges,
    version: number
  ): Promise<ItemState> {
    const [stage, item] = key.split('/');
    const answer = await requestAPI<ItemState>(
      this._project(
        projectId,
        'items',
        encodeURIComponent(stage),
        encodeURIComponent(item)
      ),
      { method: 'PATCH', json: changes, headers: { 'If-Match': `"${version}"` } },
      this._settings
    );
    return answer.body;
  }

  async signoff(projectId: string, signoff: NewSignoff): Promise<Signoff> {
    const answer = await requestAPI<Signoff>(
      this._project(projectId, 'signoffs'),
      { method: 'POST', json: signoff },
      this._settings
    );
    return answer.body;
  }

  async changes(projectId: string, since: number): Promise<ChangeFeed> {
    return (await this._get<ChangeFeed>(this._project(projectId, 'changes'), { since })).body;
  }

  async audit(projectId: string, since: number, verify: boolean): Promise<AuditLog> {
    const query = { since, verify: verify ? 1 : undefined };
    return (await this._get<AuditLog>(this._project(projectId, 'audit'), query)).body;
  }

  async startRun(projectId: string): Promise<Run> {
    const answer = await requestAPI<Run>(
      this._project(projectId, 'runs'),
      { method: 'POST', json: {} },
      this._settings
    );
    return answer.body;
  }

  async run(projectId: string, runId: string): Promise<Run> {
    return (await this._get<Run>(this._project(projectId, 'runs', runId))).body;
  }

  async runs(projectId: string): Promise<Run[]> {
    return (await this._get<{ runs: Run[] }>(this._project(projectId, 'runs'))).body.runs;
  }

  async cancelRun(projectId: string, runId: string): Promise<Run> {
    const answer = await requestAPI<Run>(
      this._project(projectId, 'runs', runId),
      { method: 'DELETE' },
      this._settings
    );
    return answer.body;
  }

  async exportProject(projectId: string, format: ExportFormat): Promise<ExportFile> {
    const answer = await requestAPI<Blob>(
      this._project(projectId, 'export'),
      { query: { format }, responseType: 'blob' },
      this._settings
    );
    const filename =
      attachmentName(answer.headers.get('Content-Disposition')) ??
      `lifecycle.${EXPORT_EXTENSIONS[format]}`;
    return { blob: answer.body, filename };
  }

  async executedNotebook(
    projectId: string,
    runId: string,
    position: number,
    execution: Execution
  ): Promise<ExecutedNotebook> {
    const answer = await this._get<PartialJSONObject>(
      this._project(projectId, 'runs', encodeURIComponent(runId), 'notebooks', String(position)),
      { execution: execution === 1 ? undefined : execution }
    );
    const modified = answer.headers.get('Last-Modified');
    return {
      notebook: answer.body,
      lastModified: modified ? new Date(modified).toISOString() : null
    };
  }

  private _get<T>(endpoint: string, query: Record<string, string | number | undefined> = {}) {
    return requestAPI<T>(endpoint, { query }, this._settings);
  }

  private _project(projectId: string, ...rest: string[]): string {
    return ['projects', encodeURIComponent(projectId), ...rest].join('/');
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
