import { ServerConnection } from '@jupyterlab/services';
import { describe, expect, it } from 'vitest';

import { attachmentName, LifecycleClient } from '../src/api';
import { APIError } from '../src/errors';

describe('download names', () => {
  it('reads the file name of a Content-Disposition header, preferring filename*', () => {
    expect(attachmentName('attachment; filename="credit-model.pdf"')).toBe('credit-model.pdf');
    expect(attachmentName("attachment; filename=\"x.pdf\"; filename*=UTF-8''cr%C3%A9dit.pdf")).toBe('crédit.pdf');
    expect(attachmentName('attachment; filename=plain.md')).toBe('plain.md');
    expect(attachmentName(null)).toBeNull();
    expect(attachmentName('attachment')).toBeNull();
  });
});

/** A client whose every request is answered by `answer` and recorded in `sent`. */
function clientAnswering(answer: () => Response) {
  const sent: Request[] = [];
  const fetch = async (request: Request) => {
    sent.push(request);
    return answer();
  };
  const settings = ServerConnection.makeSettings({
    baseUrl: 'http://lab.test/base/',
    fetch: fetch as typeof globalThis.fetch,
    // No jupyter cache-buster appended to the URLs compared below.
    init: { cache: 'default' }
  });
  return { client: new LifecycleClient(settings), sent };
}

function json(body: unknown, status = 200, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json', ...headers } });
}

describe('the HTTP client', () => {
  it('encodes every path segment once and sends the version it writes over', async () => {
    const { client, sent } = clientAnswering(() => json({ key: 'a b/c', version: 4 }));
    await client.updateItem('p/1', 'a b/c?d', { notes: 'x' }, 3);
    await client.run('p/1', 'run#2');
    expect(sent.map(r => [r.method, r.url])).toEqual([
      ['PATCH', 'http://lab.test/base/lifecycle-lab/api/projects/p%2F1/items/a%20b/c%3Fd'],
      ['GET', 'http://lab.test/base/lifecycle-lab/api/projects/p%2F1/runs/run%232']
    ]);
    expect(sent[0].headers.get('If-Match')).toBe('"3"');
    expect(await sent[0].json()).toEqual({ notes: 'x' });
  });

  it('rejects a stale write with the 409 and the current item from the server', async () => {
    const current = { key: 'scope/problem', notes: 'theirs', version: 5 };
    const { client } = clientAnswering(() => json({ message: 'scope/problem is at version 5, not 3', current }, 409));
    const error = await client.updateItem('p', 'scope/problem', { notes: 'mine' }, 3).catch(e => e);
    expect(error).toBeInstanceOf(APIError);
    expect(error.status).toBe(409);
    expect(error.message).toBe('scope/problem is at version 5, not 3');
    expect(error.body.current).toEqual(current);
  });

  it('answers null for an unchanged view (304) and passes the ETag it has', async () => {
    const { client, sent } = clientAnswering(() => new Response(null, { status: 304 }));
    expect(await client.view('p', 'W/"7"')).toBeNull();
    expect(sent[0].headers.get('If-None-Match')).toBe('W/"7"');
  });

  it('finds no project on a 404 and falls back to the status line for a non-JSON error', async () => {
    expect(await clientAnswering(() => json({ message: 'none' }, 404)).client.findProject('x')).toBeNull();
    const proxy = clientAnswering(() => new Response('<html>', { status: 502, statusText: 'Bad Gateway' }));
    await expect(proxy.client.templates()).rejects.toThrow('502 Bad Gateway');
  });

  it('sends only the query parameters that are set', async () => {
    const { client, sent } = clientAnswering(() => json({ seq: 0, events: [] }));
    await client.audit('p', 4, false);
    await client.audit('p', 0, true);
    expect(sent.map(r => new URL(r.url).search)).toEqual(['?since=4', '?since=0&verify=1']);
  });

  it('asks for a rerun with only the options that are on (twice, sandbox)', async () => {
    const { client, sent } = clientAnswering(() => json({ id: 'r' }, 201));
    await client.startRun('p');
    await client.startRun('p', { twice: false, sandbox: true });
    await client.startRun('p', { twice: true, sandbox: true });
    expect(await Promise.all(sent.map(r => r.json()))).toEqual([{}, { sandbox: true }, { twice: true, sandbox: true }]);
  });
});
