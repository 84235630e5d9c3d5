import * as React from 'react';

import { TranslationBundle } from '@jupyterlab/translation';

import { compareText, differingCells, runTolerance, Segment } from '../diff';
import { CellDiff, CellOutput, ImageDiff, Run, RunNotebook } from '../tokens';
import { badgeClass, cellCountLabel, verdictLabel } from './labels';
import { RunFiles } from './RunFiles';

function Segments(props: { segments: Segment[] }): JSX.Element {
  return (
    <>
      {props.segments.map((segment, index) =>
        segment.mark === 'same' ? (
          <React.Fragment key={index}>{segment.text}</React.Fragment>
        ) : (
          <mark key={index} className={`jp-LifecycleLab-diff-${segment.mark}`}>
            {segment.text}
          </mark>
        )
      )}
    </>
  );
}

/** One side of an output comparison: its MIME kind and its text with the differences marked. */
function OutputSide(props: { kind: string; segments: Segment[]; trans: TranslationBundle }): JSX.Element {
  return (
    <div className="jp-LifecycleLab-diffSide">
      <div className="jp-LifecycleLab-muted">{props.kind || props.trans.__('(no output)')}</div>
      <pre>
        <Segments segments={props.segments} />
      </pre>
    </div>
  );
}

function outputText(outputs: CellOutput[], index: number): { kind: string; text: string } {
  const output = outputs[index];
  return output ? { kind: output.kind, text: output.text } : { kind: '', text: '' };
}

/** Two images compared by pixels: both pictures, their difference image, the distance and the tolerance. */
function ImageComparison(props: { image: ImageDiff; trans: TranslationBundle }): JSX.Element {
  const { image, trans } = props;
  const pictures: [string, string | null | undefined][] = [
    [trans.__('Saved'), image.expected],
    [trans.__('Rerun'), image.actual],
    [trans.__('Difference'), image.difference]
  ];
  return (
    <div className="jp-LifecycleLab-imageDiff" data-output={image.output}>
      <p>{image.message}</p>
      <div className="jp-LifecycleLab-diffRow">
        {pictures
          .filter(([, src]) => typeof src === 'string' && src.startsWith('data:image/png;base64,'))
          .map(([label, src]) => (
            <figure key={label}>
              <img src={src as string} alt={label} />
              <figcaption>{label}</figcaption>
            </figure>
          ))}
      </div>
    </div>
  );
}

function CellComparison(props: { cell: CellDiff; run: Run; trans: TranslationBundle }): JSX.Element {
  const { cell, run, trans } = props;
  const tolerance = runTolerance(run.options);
  const count = Math.max(cell.expected.length, cell.actual.length);
  const rows = [];
  for (let i = 0; i < count; i++) {
    const expected = outputText(cell.expected, i);
    const actual = outputText(cell.actual, i);
    const compared = compareText(expected.text, actual.text, tolerance);
    rows.push(
      <div className="jp-LifecycleLab-diffRow" key={i}>
        <OutputSide kind={expected.kind} segments={compared.expected} trans={trans} />
        <OutputSide kind={actual.kind} segments={compared.actual} trans={trans} />
      </div>
    );
  }
  return (
    <section className="jp-LifecycleLab-diffCell" data-cell-index={cell.index}>
      <h3>
        {trans.__('Cell %1', cell.index + 1)}{' '}
        <span className={badgeClass(false)}>{verdictLabel(trans, cell.status)}</span>{' '}
        {cell.reason && (
          <span className="jp-LifecycleLab-badge jp-LifecycleLab-reason" data-reason={cell.reason} title={cell.reason_detail ?? ''}>
            {cell.reason}
          </span>
        )}
      </h3>
      {cell.reason_detail && <p className="jp-LifecycleLab-muted">{cell.reason_detail}</p>}
      <pre className="jp-LifecycleLab-diffSource">{cell.source}</pre>
      {cell.first_difference && <p className="jp-LifecycleLab-warning">{cell.first_difference.message}</p>}
      <div className="jp-LifecycleLab-diffRow jp-LifecycleLab-diffHeadings">
        <div>{run.twice ? trans.__('First run') : trans.__('Saved')}</div>
        <div>{run.twice ? trans.__('Second run') : trans.__('Rerun')}</div>
      </div>
      {rows}
      {(cell.images ?? []).map(image => (
        <ImageComparison key={image.output} image={image} trans={trans} />
      ))}
    </section>
  );
}

/**
 * A notebook's differing cells, saved output beside rerun output, the
 * numbers that moved highlighted, and the tolerance they were judged by.
 */
export function DiffView(props: {
  run: Run;
  notebook: RunNotebook;
  trans: TranslationBundle;
  onOpen: (() => void) | null;
}): JSX.Element {
  const { run, notebook, trans, onOpen } = props;
  const diffs = notebook.diffs;
  const tolerance = runTolerance(run.options);
  const cells = differingCells(notebook);
  return (
    <div className="jp-LifecycleLab-diffView">
      <header>
        <h2>
          {notebook.path}{' '}
          <span className={badgeClass(false)}>{verdictLabel(trans, notebook.verdict)}</span>
        </h2>
        <p className="jp-LifecycleLab-tolerance">
          {trans.__(
            'Run %1 · numbers agree when |a − b| ≤ max(rel × max(|a|, |b|), abs) with rel %2, abs %3 (cell tags may override)',
            run.id,
            tolerance.rel,
            tolerance.abs
          )}
        </p>
        {diffs && (
          <p className="jp-LifecycleLab-muted">
            {Object.entries(diffs.counts)
              .map(([status, n]) => cellCountLabel(trans, status, n))
              .join(' · ')}
            {diffs.omitted_cells > 0 && ` · ${trans.__('%1 more cells not shown', diffs.omitted_cells)}`}
          </p>
        )}
        {[...(diffs?.notes ?? []), ...(diffs?.warnings ?? [])].map((note, index) => (
          <p key={index} className="jp-LifecycleLab-warning">
            {note}
          </p>
        ))}
        <div className="jp-LifecycleLab-legend">
          <mark className="jp-LifecycleLab-diff-differs">{trans.__('differs')}</mark>{' '}
          <mark className="jp-LifecycleLab-diff-within">{trans.__('within tolerance')}</mark>
          {onOpen && (
            <button type="button" className="jp-mod-styled" onClick={onOpen}>
              {trans.__('Open executed notebook')}
            </button>
          )}
        </div>
      </header>
      <RunFiles run={run} trans={trans} />
      {cells.length === 0 ? (
        <p>{trans.__('No differing cells.')}</p>
      ) : (
        cells.map(cell => <CellComparison key={cell.index} cell={cell} run={run} trans={trans} />)
      )}
    </div>
  );
}
