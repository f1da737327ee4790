import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { markdownTable, renderTable, type Table } from './table.js';

const table: Table = {
  title: 'cold start (ms)',
  header: ['component', 'p50', 'met'],
  rows: [
    ['detector', 1026.34, 'yes'],
    ['function', 8.5, undefined],
  ],
};

describe('benchmark tables', () => {
  it('renders aligned text, numbers right-aligned, 2 decimals below 100, none above', () => {
    assert.equal(
      renderTable(table),
      [
        '',
        'cold start (ms)',
        'component   p50  met',
        '---------  ----  ---',
        'detector   1026  yes',
        'function   8.50  -  ',
      ].join('\n'),
    );
  });

  it('renders markdown with the title as a heading and the note under it', () => {
    assert.equal(
      markdownTable(table, '_note_'),
      [
        '### cold start (ms)',
        '',
        '_note_',
        '',
        '| component | p50 | met |',
        '|---|---|---|',
        '| detector | 1026 | yes |',
        '| function | 8.50 | - |',
      ].join('\n'),
    );
  });
});
