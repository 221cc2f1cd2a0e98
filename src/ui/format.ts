import { stripVTControlCharacters } from 'node:util';

// Small formatting helpers shared by the plain printer, tables and Ink views.

export function formatDuration(ms: number): string {
  if (ms < 1000) return `${ms}ms`;
  const seconds = ms / 1000;
  if (seconds < 60) return `${seconds.toFixed(1)}s`;
  const minutes = Math.floor(seconds / 60);
  return `${minutes}m${Math.round(seconds % 60)
    .toString()
    .padStart(2, '0')}s`;
}

/** A left-aligned text table; widths follow the widest cell of each column. */
export function table(headers: string[], rows: string[][], style: (s: string) => string = (s) => s): string {
  const visible = (s: string) => stripVTControlCharacters(s).length;
  const widths = headers.map((h, i) => Math.max(visible(h), ...rows.map((r) => visible(r[i] ?? ''))));
  const pad = (cell: string, i: number) => cell + ' '.repeat(Math.max(0, (widths[i] ?? 0) - visible(cell)));
  const line = (cells: string[]) => cells.map(pad).join('  ').trimEnd();
  return [style(line(headers)), ...rows.map(line)].join('\n');
}
