/**
 * The reproducibility lint of the open project: its findings, the data files
 * read but not registered, and registering them. Free of UI; views listen to
 * `changed`.
 */
import { ServerConnection } from '@jupyterlab/services';

import { errorMessage } from '../errors';
import { LintReport } from '../lint';
import { requestAPI } from '../request';
import { ProjectPartModel } from './part';

/** The lint endpoints of the REST API (`GET /projects/{id}/lint`, `POST …/datasets/discover`). */
export interface ILintAPI {
  lint(projectId: string): Promise<LintReport>;
  registerDiscovered(projectId: string): Promise<{ datasets: { name: string; path: string; created: boolean }[] }>;
}

/** The lint endpoints over HTTP, through `requestAPI`. */
export class LintClient implements ILintAPI {
  constructor(settings?: ServerConnection.ISettings) {
    this._settings = settings ?? ServerConnection.makeSettings();
  }

  async lint(projectId: string): Promise<LintReport> {
    return (await requestAPI<LintReport>(LintClient._path(projectId, 'lint'), {}, this._settings)).body;
  }

  async registerDiscovered(
    projectId: string
  ): Promise<{ datasets: { name: string; path: string; created: boolean }[] }> {
    const path = LintClient._path(projectId, 'datasets', 'discover');
    return (await requestAPI<{ datasets: { name: string; path: string; created: boolean }[] }>(
      path,
      { method: 'POST', json: {} },
      this._settings
    )).body;
  }

  private static _path(projectId: string, ...segments: string[]): string {
    return ['projects', projectId, ...segments].map(encodeURIComponent).join('/');
  }

  private _settings: ServerConnection.ISettings;
}

export class LintModel extends ProjectPartModel<ILintAPI> {
  get report(): LintReport | null {
    return this._report;
  }

  /** Lint the open project's notebooks now. */
  async load(): Promise<void> {
    const projectId = this._projectId();
    if (!projectId) {
      return;
    }
    try {
      this._report = await this._api.lint(projectId);
      this._error = null;
    } catch (reason) {
      this._error = errorMessage(reason);
    }
    this._changed.emit();
  }

  /** Register every unregistered data file as a dataset, then lint again. */
  async registerData(): Promise<void> {
    const projectId = this._projectId();
    if (!projectId) {
      return;
    }
    try {
      await this._api.registerDiscovered(projectId);
    } catch (reason) {
      this._error = errorMessage(reason);
      this._changed.emit();
      return;
    }
    await this.load();
  }

  /** Forget the report (another project opened); emits nothing, the caller does. */
  clear(): void {
    this._report = null;
    this._error = null;
  }

  private _report: LintReport | null = null;
}
