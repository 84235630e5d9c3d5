/**
 * An in-memory lifecycle server for the model's tests: the same answers as the
 * REST API (versions, 409 with `current`, ETags, the change feed, runs), no HTTP.
 */
import { APIError, ErrorBody } from '../src/errors';
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
  ItemState,
  ItemUpdate,
  NewSignoff,
  Project,
  ProjectView,
  Run,
  RunRequest,
  Signoff,
  Template,
  TemplateInfo,
  ViewAnswer
} from '../src/tokens';

export const TEMPLATE: Template = {
  id: 'tiny',
  version: '1',
  title: 'Tiny',
  description: '',
  source: '',
  scoring: null,
  roles: [
    { id: 'owner', title: 'Owner', description: '' },
    { id: 'legal', title: 'Legal', description: '' }
  ],
  stages: [
    {
      id: 'scope',
      title: 'Scope',
      description: '',
      section: null,
      gate: { signoffs: ['legal'], requires: [] },
      items: ['problem', 'risks'].map(id => ({
        id,
        key: `scope/${id}`,
        title: id,
        guidance: '',
        why: '',
        required: true,
        evidence: 'text',
        owner_role: null,
        automatable: false,
        refs: []
      }))
    },
    {
      id: 'repro',
      title: 'Reproducibility',
      description: '',
      section: null,
      gate: { signoffs: [], requires: [] },
      items: [
        {
          id: 'rerun',
          key: 'repro/rerun',
          title: 'rerun',
          guidance: '',
          why: '',
          required: true,
          evidence: 'rerun',
          owner_role: null,
          automatable: true,
          refs: []
        }
      ]
    }
  ]
};

/** The error the real client rejects with for an answer of `status`. */
function apiError(status: number, body: ErrorBody): APIError {
  return new APIError(new Response(null, { status }), body);
}

function blank(key: string): ItemState {
  return {
    key,
    status: 'todo',
    owner: null,
    due: null,
    notes: '',
    justification: '',
    evidence: null,
    version: 0,
    updated_by: null,
    updated_at: null
  };
}

export class FakeAPI implements ILifecycleAPI {
  /** Folder (root-relative) → project. */
  projects = new Map<string, Project>();
  items = new Map<string, ItemState>();
  signoffs: Signoff[] = [];
  seq = 0;
  runList: Run[] = [];
  /** The options of every startRun call, in order. */
  runRequests: RunRequest[] = [];
  /** Executed notebooks by `<run id>/<position>/<execution>`. */
  executed = new Map<string, ExecutedNotebook['notebook']>();
  /** How many times each method was called. */
  calls: Record<string, number> = {};
  /** Answers `findProject` waits for, by path (to order concurrent lookups). */
  gates = new Map<string, Promise<void>>();
  /** While set, view answers wait for it (to let a poll come before a reload has answered). */
  viewGate: Promise<void> | null = null;
  /** The event the newest anchor of the audit chain reaches (null: never anchored). */
  anchoredSeq: number | null = null;
  /** Whether a PATCH answers with the change feed's position (older servers do not). */
  answersSeq = true;
  user = { username: 'alice', name: 'Alice', display_name: 'Alice A.', initials: 'AA', color: null };

  addProject(folder: string): Project {
    const project: Project = {
      id: `id-${folder || 'root'}`,
      name: folder || 'root',
      template: 'tiny',
      template_version: '1',
      path: folder,
      created_at: '2030-01-01T00:00:00Z',
      created_by: 'alice',
      notebooks: ['train.ipynb'],
      description: ''
    };
    this.projects.set(folder, project);
    for (const stage of TEMPLATE.stages) {
      for (const item of stage.items) {
        this.items.set(item.key, blank(item.key));
      }
    }
    this.seq += 1;
    return project;
  }

  /** A change made by someone else (another tab, the CLI). */
  externalUpdate(key: string, changes: ItemChanges, actor = 'bob'): ItemState {
    const item = { ...this.items.get(key)!, ...changes } as ItemState;
    item.version += 1;
    item.updated_by = actor;
    item.updated_at = '2030-01-02T00:00:00Z';
    this.items.set(key, item);
    this.seq += 1;
    return item;
  }

  private count(name: string): void {
    this.calls[name] = (this.calls[name] ?? 0) + 1;
  }

  private byId(id: string): Project {
    for (const project of this.projects.values()) {
      if (project.id === id) {
        return project;
      }
    }
    throw apiError(404, { message: `no project with id '${id}'` });
  }

  async findProject(path: string): Promise<Project | null> {
    this.count('findProject');
    await this.gates.get(path);
    let folder: string | null = path;
    while (folder !== null) {
      const project = this.projects.get(folder);
      if (project) {
        return project;
      }
      folder = folder === '' ? null : folder.split('/').slice(0, -1).join('/');
    }
    return null;
  }

  async createProject(path: string, template: string): Promise<Project> {
    this.count('createProject');
    if (this.projects.has(path)) {
      throw apiError(409, { message: `'${path}' already holds lifecycle.yaml` });
    }
    if (template !== 'tiny') {
      throw apiError(400, { message: `template: no template '${template}'`, field: 'template' });
    }
    return this.addProject(path);
  }

  async templates(): Promise<TemplateInfo[]> {
    this.count('templates');
    return [{ id: 'tiny', title: 'Tiny', version: '1' }];
  }

  buildView(project: Project): ProjectView {
    const items = Object.fromEntries(this.items);
    const done = [...this.items.values()].filter(i => i.status === 'done').length;
    const applicable = [...this.items.values()].filter(i => i.status !== 'not_applicable').length;
    const percent = applicable ? Math.floor((100 * done) / applicable) : 100;
    return {
      user: this.user,
      project,
      template: TEMPLATE,
      items,
      progress: {
        overall: { done, applicable, total: this.items.size, percent },
        stages: {}
      },
      overdue: [...this.items.values()].filter(i => i.due !== null && i.due < '2030-01-01').map(i => i.key),
      stale: {},
      gates: {},
      signoffs: this.signoffs,
      ready: percent === 100,
      status: percent === 100 ? 'ready' : 'blocked',
      datasets: [],
      seq: this.seq
    };
  }

  async view(projectId: string, etag: string | null): Promise<ViewAnswer | null> {
    this.count('view');
    await this.viewGate;
    const project = this.byId(projectId);
    const current = `W/"${this.seq}"`;
    if (etag === current) {
      return null;
    }
    return { view: JSON.parse(JSON.stringify(this.buildView(project))), etag: current };
  }

  async updateItem(projectId: string, key: string, changes: ItemChanges, version: number): Promise<ItemUpdate> {
    this.count('updateItem');
    this.byId(projectId);
    const current = this.items.get(key);
    if (!current) {
      throw apiError(404, { message: `no item ${key}` });
    }
    if (current.version !== version) {
      throw apiError(409, {
        message: `${key} is at version ${current.version}, not ${version}`,
        current: { ...current }
      });
    }
    if (changes.status === 'not_applicable' && !(changes.justification ?? current.justification).trim()) {
      throw apiError(400, { message: 'justification: required for not_applicable', field: 'justification' });
    }
    const item = { ...this.externalUpdate(key, changes, 'alice') };
    return this.answersSeq ? { ...item, seq: this.seq } : item;
  }

  /** No sign-off policy: every gate role (or every template role) may approve and reject. */
  async allowedSignoffs(projectId: string): Promise<AllowedSignoffs> {
    this.byId(projectId);
    const everyRole = TEMPLATE.roles.map(role => role.id);
    const stages: AllowedSignoffs['stages'] = {};
    for (const stage of TEMPLATE.stages) {
      const roles = stage.gate.signoffs.length > 0 ? stage.gate.signoffs : everyRole;
      stages[stage.id] = {
        policy: null,
        roles: roles.map(role => ({ role, required: stage.gate.signoffs.includes(role), approve: true, reject: true }))
      };
    }
    return { user: this.user.username, roles: [], stages };
  }

  async signoff(projectId: string, signoff: NewSignoff): Promise<Signoff> {
    this.count('signoff');
    this.byId(projectId);
    if (signoff.decision === 'reject' && !signoff.comment.trim()) {
      throw apiError(400, { message: 'comment: a rejection needs a comment', field: 'comment' });
    }
    const recorded: Signoff = {
      ...signoff,
      id: this.signoffs.length + 1,
      user: this.user.username,
      at: '2030-01-01T00:00:00Z',
      snapshot: '0'.repeat(64),
      outdated: false
    };
    this.signoffs.push(recorded);
    this.seq += 1;
    return recorded;
  }

  async changes(projectId: string, since: number): Promise<ChangeFeed> {
    this.count('changes');
    return this.feed(projectId, since);
  }

  private feed(projectId: string, since: number): ChangeFeed {
    this.byId(projectId);
    const events = [];
    for (let seq = since + 1; seq <= this.seq; seq++) {
      events.push({
        seq,
        at: '2030-01-01T00:00:00Z',
        actor: 'someone',
        project: projectId,
        action: 'item.update',
        target: 'scope/problem',
        before: null,
        after: null,
        prev_hash: '0'.repeat(64),
        hash: '1'.repeat(64)
      });
    }
    return { seq: this.seq, events };
  }

  async audit(projectId: string, since: number, verify: boolean): Promise<AuditLog> {
    this.count('audit');
    const feed = this.feed(projectId, since);
    const behind = this.seq - (this.anchoredSeq ?? 0);
    const anchor = { head_seq: this.seq, anchored_seq: this.anchoredSeq, anchored_at: null, source: null, behind };
    const page = { seq: feed.seq, events: feed.events.slice(0, 2), anchor };
    return verify ? { ...page, chain: { ok: true, events: feed.seq, head: 'f'.repeat(64), broken_seq: null, message: 'ok' } } : page;
  }

  newRun(status: Run['status'] = 'queued', created = '2030-01-03T00:00:00Z'): Run {
    const run: Run = {
      id: `run-${this.runList.length + 1}`,
      project_id: 'x',
      status,
      verdict: null,
      twice: false,
      requested_by: 'alice',
      created_at: created,
      started_at: null,
      finished_at: null,
      error: null,
      active: status === 'queued' || status === 'running',
      progress: { cells_done: 0, cells_total: 4, notebooks_done: 0, notebooks_total: 1 },
      options: { tolerance: { rel: 1e-6, abs: 1e-9 } },
      notebooks: [
        {
          position: 0,
          path: 'train.ipynb',
          status,
          verdict: null,
          kernel: 'python3',
          cells_done: 0,
          cells_total: 4,
          output_path: null,
          duration: null,
          error: null,
          diffs: null
        }
      ]
    };
    this.runList.push(run);
    return run;
  }

  /** Move a run on as its worker would. */
  advanceRun(id: string, cellsDone: number, verdict: Run['verdict'] = null): void {
    const run = this.runList.find(r => r.id === id)!;
    const finished = verdict !== null;
    run.status = finished ? 'finished' : 'running';
    run.active = !finished;
    run.verdict = verdict;
    run.notebooks[0] = { ...run.notebooks[0], cells_done: cellsDone, status: run.status, verdict };
    if (finished) {
      this.externalUpdate('repro/rerun', { evidence: { run_id: id, verdict }, status: 'in_progress' }, 'alice');
    }
  }

  async startRun(projectId: string, options: RunRequest = {}): Promise<Run> {
    this.count('startRun');
    this.runRequests.push(options);
    this.byId(projectId);
    const active = this.runList.find(run => run.active);
    if (active) {
      throw apiError(409, { message: `run ${active.id} is rerunning train.ipynb`, current: structuredClone(active) });
    }
    return structuredClone(this.newRun());
  }

  async run(projectId: string, runId: string): Promise<Run> {
    this.count('run');
    const run = this.runList.find(r => r.id === runId);
    if (!run) {
      throw apiError(404, { message: `no run ${runId}` });
    }
    return structuredClone(run);
  }

  async runs(projectId: string): Promise<Run[]> {
    this.count('runs');
    return structuredClone(this.runList);
  }

  async cancelRun(projectId: string, runId: string): Promise<Run> {
    this.count('cancelRun');
    const run = this.runList.find(r => r.id === runId)!;
    Object.assign(run, { status: 'cancelled', verdict: 'cancelled', active: false });
    return structuredClone(run);
  }

  async exportProject(projectId: string, format: ExportFormat): Promise<ExportFile> {
    this.count('exportProject');
    return { blob: new Blob([`report as ${format}`]), filename: `report.${format}` };
  }

  async executedNotebook(
    projectId: string,
    runId: string,
    position: number,
    execution: Execution
  ): Promise<ExecutedNotebook> {
    this.count('executedNotebook');
    this.byId(projectId);
    const notebook = this.executed.get(`${runId}/${position}/${execution}`);
    if (!notebook) {
      throw apiError(404, { message: `run ${runId} has no executed notebook at position ${position}` });
    }
    return { notebook: structuredClone(notebook), lastModified: '2030-01-03T00:00:00.000Z' };
  }
}
