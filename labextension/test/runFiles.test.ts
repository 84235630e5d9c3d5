import { nullTranslator } from '@jupyterlab/translation';
import * as React from 'react';
import { renderToStaticMarkup } from 'react-dom/server';
import { describe, expect, it } from 'vitest';

import { RunFiles } from '../src/components/RunFiles';
import { RunFileChanges, shortHash, sizeText } from '../src/runFiles';

const trans = nullTranslator.load('lifecycle_lab');
const OLD = 'a'.repeat(64);
const NEW = 'b'.repeat(64);

function render(files: RunFileChanges | null): string {
  return renderToStaticMarkup(React.createElement(RunFiles, { run: { id: 'r1', files }, trans }));
}

describe('the files a rerun touched', () => {
  it('read sizes as people do and hashes by their first 12 digits', () => {
    expect(sizeText(512)).toBe('512 B');
    expect(sizeText(1536)).toBe('1.5 KB');
    expect(sizeText(12.3 * 1024 * 1024)).toBe('12.3 MB');
    expect(shortHash(OLD)).toBe('aaaaaaaaaaaa');
  });

  it('list each file with its change, size and hash before and after', () => {
    const html = render({
      where: 'project',
      omitted: 0,
      skipped: null,
      changes: [
        { path: 'model.pkl', change: 'changed', before: { size: 34, sha256: OLD }, after: { size: 2048, sha256: NEW } },
        { path: 'out/features.parquet', change: 'created', before: null, after: { size: 4, sha256: NEW } }
      ]
    });
    expect(html).toContain('Project files the rerun created or changed');
    expect(html).toContain('<tr data-change="changed"><td><code>model.pkl</code></td><td>changed</td>');
    expect(html).toContain(`<span title="${OLD}">34 B · <code>aaaaaaaaaaaa</code></span>`);
    expect(html).toContain(`<span title="${NEW}">2.0 KB · <code>bbbbbbbbbbbb</code></span>`);
    expect(html).toContain('<tr data-change="created"><td><code>out/features.parquet</code></td>');
  });

  it('say that a sandboxed rerun left the user files alone, and show nothing for older runs', () => {
    const html = render({ where: 'sandbox', omitted: 0, skipped: null, changes: [] });
    expect(html).toContain('Files written in the sandbox copy (your files were not touched)');
    expect(html).toContain('The rerun created or changed no file.');
    expect(render(null)).toBe('');
  });
});
