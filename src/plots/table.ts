import { baseLayout, defaultConfig, formatNumber, type CommonOptions, type Figure } from './figure.js';

/** A table cell value: numbers are formatted, strings shown as-is, null/undefined as "—". */
export type Cell = string | number | boolean | null | undefined;

/** Options of {@link table} (and of the notebook helper `showTable`). */
export interface TableOptions extends CommonOptions {
  /** Column headers. */
  columns: readonly string[];
  /** Rows of cells, each with `columns.length` entries. */
  rows: readonly (readonly Cell[])[];
  /** Decimals of non-integer numbers: one for all columns or one per column (default 3). */
  digits?: number | readonly number[];
}

/**
 * Formats every cell of a table as text (numbers with `digits` decimals, integers as-is).
 * @throws RangeError when a row's length differs from the number of columns.
 */
export function formatTable(opts: Pick<TableOptions, 'columns' | 'rows' | 'digits'>): string[][] {
  const nc = opts.columns.length;
  if (nc === 0) throw new RangeError('table: columns must name at least one column, got none.');
  const digits = opts.digits ?? 3;
  if (Array.isArray(digits) && digits.length !== nc) {
    throw new RangeError(`table: digits has ${digits.length} entries but there are ${nc} columns; pass one number or one per column.`);
  }
  return opts.rows.map((r, i) => {
    if (r.length !== nc) throw new RangeError(`table: row ${i} has ${r.length} cells but there are ${nc} columns.`);
    return r.map((v, j) => formatNumber(v, typeof digits === 'number' ? digits : (digits as readonly number[])[j]!));
  });
}

/**
 * A Plotly table: bold headers, formatted numbers right-aligned, text left-aligned, and a
 * height that fits the rows (no inner scrolling up to 30 rows).
 * @throws RangeError for ragged rows or a digits/columns mismatch.
 * @example table({ title: 'Scores', columns: ['pipeline', 'NMI'], rows: [['K-Means', 0.513]] })
 */
export function table(opts: TableOptions): Figure {
  const cells = formatTable(opts);
  const nc = opts.columns.length;
  const columnValues = Array.from({ length: nc }, (_, j) => cells.map((r) => r[j]!));
  const numeric = Array.from({ length: nc }, (_, j) => opts.rows.length > 0 && opts.rows.every((r) => typeof r[j] === 'number' || r[j] == null));
  const rowH = 26, headH = 30;
  const trace = {
    type: 'table',
    header: {
      values: opts.columns.map((c) => `<b>${escapeHtml(c)}</b>`),
      align: numeric.map((n) => (n ? 'right' : 'left')),
      fill: { color: '#e8eef7' },
      line: { color: '#c8d0dc' },
      height: headH,
      font: { size: 13 },
    },
    cells: {
      values: columnValues.map((col) => col.map(escapeHtml)),
      align: numeric.map((n) => (n ? 'right' : 'left')),
      fill: { color: [cells.map((_, i) => (i % 2 === 0 ? '#ffffff' : '#f6f8fb'))] },
      line: { color: '#e1e5eb' },
      height: rowH,
      font: { size: 12 },
    },
  };
  const layout = baseLayout(opts, { height: (opts.title ? 60 : 20) + headH + Math.min(opts.rows.length, 30) * rowH + 10 });
  layout.margin = { l: 10, r: 10, t: opts.title ? 50 : 10, b: 10 };
  return { data: [trace], layout, config: defaultConfig() };
}

/** Escapes `& < > " '` for HTML text (Plotly table cells are rendered as HTML-like text). */
export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}
