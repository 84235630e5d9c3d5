/**
 * The client interface the model depends on and the token other plugins use to
 * reach the model. The shapes the REST API answers with live in `types/`, one
 * module per resource, and are re-exported here.
 */
import { Token } from '@lumino/coreutils';
import { ISignal } from '@lumino/signaling';

import { AuditLog, ChangeFeed } from './types/audit';
import { ExportFile, ExportFormat } from './types/export';
import { ItemChanges, ItemUpdate, Project, ProjectView, TemplateInfo } from './types/project';
import { ExecutedNotebook, Execution, Run, RunRequest } from './types/runs';
import { AllowedSignoffs, NewSignoff, Signoff } from './types/signoffs';

export * from './types/audit';
export * from './types/export';
export * from './types/project';
export * from './types/runs';
export * from './types/signoffs';

/** A view answer: the view and its ETag, or null when unchanged since the ETag sent. */
export interface ViewAnswer {
  view: ProjectView;
  etag: string | null;
}

/**
 * The REST calls the model makes; `LifecycleClient` implements it over HTTP.
 */
export interface ILifecycleAPI {
  /** The project holding a file or folder, or null when there is none. */
  findProject(path: string): Promise<Project | null>;
  createProject(path: string, template: string): Promise<Project>;
  templates(): Promise<TemplateInfo[]>;
  /** The full view; null when it did not change since `etag`. */
  view(projectId: string, etag: string | null): Promise<ViewAnswer | null>;
  /** Rejects with an `APIError` of status 409 (body `current`) when `version` is stale. */
  updateItem(
    projectId: string,
    key: string,
    changes: ItemChanges,
    version: number
  ): Promise<ItemUpdate>;
  signoff(projectId: string, signoff: NewSignoff): Promise<Signoff>;
  /** What the current user may sign, per stage and role (the stages' sign-off policies applied). */
  allowedSignoffs(projectId: string): Promise<AllowedSignoffs>;
  changes(projectId: string, since: number): Promise<ChangeFeed>;
  /** Events after `since` (a page of at most 1000); `verify` adds the hash-chain check. */
  audit(projectId: string, since: number, verify: boolean): Promise<AuditLog>;
  /** Start a rerun; see `RunRequest` for the options (none: once, in the project folder). */
  startRun(projectId: string, options?: RunRequest): Promise<Run>;
  run(projectId: string, runId: string): Promise<Run>;
  runs(projectId: string): Promise<Run[]>;
  cancelRun(projectId: string, runId: string): Promise<Run>;
  exportProject(projectId: string, format: ExportFormat): Promise<ExportFile>;
  /** Rejects with an `APIError` of status 404 while the run has not written that notebook. */
  executedNotebook(
    projectId: string,
    runId: string,
    position: number,
    execution: Execution
  ): Promise<ExecutedNotebook>;
}

/** The sidebar's model as other plugins (status bar, commands) see it. */
export interface ILifecycleModel {
  readonly changed: ISignal<ILifecycleModel, void>;
  readonly view: ProjectView | null;
}

export const ILifecycleModel = new Token<ILifecycleModel>(
  'lifecycle-lab:ILifecycleModel',
  'The Lifecycle checklist of the project of the active notebook or folder.'
);
