import { describe, expect, it } from 'vitest';

import { LintReport } from '../src/lint';
import { ILintAPI, LintModel } from '../src/models/lint';

const REPORT: LintReport = {
  findings: [],
  counts: { info: 0, warning: 0, error: 0 },
  suppressed: 0,
  disabled: [],
  notebooks: [],
  unregistered: [{ path: 'data/x.csv', size: 10, reader: 'pandas.read_csv' }]
};

class FakeLintAPI implements ILintAPI {
  registered: string[] = [];
  report: LintReport = REPORT;
  async lint(projectId: string): Promise<LintReport> {
    if (projectId === 'gone') {
      throw new Error('project gone');
    }
    return this.report;
  }
  async registerDiscovered(projectId: string) {
    this.registered.push(projectId);
    this.report = { ...REPORT, unregistered: [] };
    return { datasets: [{ name: 'x.csv', path: 'data/x.csv', created: true }] };
  }
}

describe('the lint model', () => {
  it('loads the open project’s report and signals it', async () => {
    const api = new FakeLintAPI();
    const model = new LintModel(api, () => 'p1');
    let changes = 0;
    model.changed.connect(() => (changes += 1));
    await model.load();
    expect(model.report?.unregistered).toHaveLength(1);
    expect(changes).toBe(1);
  });

  it('registers the discovered data, then shows the report without it', async () => {
    const api = new FakeLintAPI();
    const model = new LintModel(api, () => 'p1');
    await model.load();
    await model.registerData();
    expect(api.registered).toEqual(['p1']);
    expect(model.report?.unregistered).toEqual([]);
  });

  it('keeps the error message when the lint fails and does nothing without a project', async () => {
    const failing = new LintModel(new FakeLintAPI(), () => 'gone');
    await failing.load();
    expect(failing.error).toContain('project gone');
    const none = new LintModel(new FakeLintAPI(), () => null);
    await none.load();
    expect(none.report).toBeNull();
  });
});
