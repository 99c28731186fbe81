// Go's text/tabwriter (elastic tabstops) as forked by docker/cli, which measures cells in terminal
// columns (go-runewidth) instead of runes. Tab-terminated cells in contiguous lines form a column;
// the text after a line's last tab is not part of any column, so it is never padded.
// Not ported: the Escape character and FilterHTML (Docker's tables use neither).

/** Formatting flags, as in Go. */
export const TabFlags = {
  AlignRight: 1 << 2,
  DiscardEmptyColumns: 1 << 3,
  TabIndent: 1 << 4,
  Debug: 1 << 5,
} as const;

// East Asian Wide and Fullwidth ranges (the code points go-runewidth counts as two columns).
const WIDE: readonly [number, number][] = [
  [0x1100, 0x115f], [0x231a, 0x231b], [0x2329, 0x232a], [0x23e9, 0x23ec], [0x23f0, 0x23f0], [0x23f3, 0x23f3],
  [0x25fd, 0x25fe], [0x2614, 0x2615], [0x2648, 0x2653], [0x267f, 0x267f], [0x2693, 0x2693], [0x26a1, 0x26a1],
  [0x26aa, 0x26ab], [0x26bd, 0x26be], [0x26c4, 0x26c5], [0x26ce, 0x26ce], [0x26d4, 0x26d4], [0x26ea, 0x26ea],
  [0x26f2, 0x26f3], [0x26f5, 0x26f5], [0x26fa, 0x26fa], [0x26fd, 0x26fd], [0x2705, 0x2705], [0x270a, 0x270b],
  [0x2728, 0x2728], [0x274c, 0x274c], [0x274e, 0x274e], [0x2753, 0x2755], [0x2757, 0x2757], [0x2795, 0x2797],
  [0x27b0, 0x27b0], [0x27bf, 0x27bf], [0x2b1b, 0x2b1c], [0x2b50, 0x2b50], [0x2b55, 0x2b55], [0x2e80, 0x303e],
  [0x3041, 0x33ff], [0x3400, 0x4dbf], [0x4e00, 0x9fff], [0xa000, 0xa4cf], [0xa960, 0xa97f], [0xac00, 0xd7a3],
  [0xf900, 0xfaff], [0xfe10, 0xfe19], [0xfe30, 0xfe6f], [0xff00, 0xff60], [0xffe0, 0xffe6], [0x16fe0, 0x16fe4],
  [0x17000, 0x18cd5], [0x1b000, 0x1b2fb], [0x1f004, 0x1f004], [0x1f0cf, 0x1f0cf], [0x1f18e, 0x1f18e],
  [0x1f191, 0x1f19a], [0x1f200, 0x1f251], [0x1f300, 0x1f64f], [0x1f680, 0x1f6ff], [0x1f7e0, 0x1f7eb],
  [0x1f90c, 0x1f9ff], [0x1fa70, 0x1faff], [0x20000, 0x2fffd], [0x30000, 0x3fffd],
];
const ZERO_WIDTH = /^[\p{Mn}\p{Me}\p{Cc}\p{Cf}]$/u;

function runeWidth(cp: number): number {
  if (cp < 0x7f) return cp < 0x20 ? 0 : 1;
  if (ZERO_WIDTH.test(String.fromCodePoint(cp))) return 0;
  let lo = 0;
  let hi = WIDE.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const [a, b] = WIDE[mid]!;
    if (cp < a) hi = mid - 1;
    else if (cp > b) lo = mid + 1;
    else return 2;
  }
  return 1;
}

/** Terminal columns a string takes (runewidth.StringWidth, without East Asian ambiguous = 2). */
export function displayWidth(s: string): number {
  let w = 0;
  for (const ch of s) w += runeWidth(ch.codePointAt(0) ?? 0);
  return w;
}

interface Cell {
  size: number; // length of the cell's text in buf
  width: number; // its width in terminal columns
  htab: boolean; // terminated by '\t' (not '\v')
}

export class TabWriter {
  private out = '';
  // Text without tabs and line breaks: kept as chunks and joined once per flush, because slicing a
  // string built with += flattens it every time (quadratic on long tables).
  private chunks: string[] = [];
  private buf = '';
  private unmeasured = ''; // appended text whose width is not yet in cell.width
  private cell: Cell = { size: 0, width: 0, htab: false };
  private lines: Cell[][] = [[]];
  private widths: number[] = [];

  /** tabwriter.NewWriter(out, minwidth, tabwidth, padding, padchar, flags) */
  constructor(
    private readonly minwidth: number,
    private readonly tabwidth: number,
    private readonly padding: number,
    private readonly padchar: string,
    private readonly flags = 0,
  ) {
    if (minwidth < 0 || tabwidth < 0 || padding < 0) throw new RangeError('negative minwidth, tabwidth, or padding');
    // Tab padding enforces left alignment.
    if (padchar === '\t') this.flags &= ~TabFlags.AlignRight;
  }

  private reset(): void {
    this.chunks = [];
    this.buf = '';
    this.unmeasured = '';
    this.cell = { size: 0, width: 0, htab: false };
    this.lines = [[]];
    this.widths = [];
  }

  private writePadding(textw: number, cellw: number, useTabs: boolean): void {
    if (this.padchar === '\t' || useTabs) {
      if (this.tabwidth === 0) return; // tabs have no width - can't do any padding
      cellw = Math.ceil(cellw / this.tabwidth) * this.tabwidth; // smallest multiple of tabwidth
      this.out += '\t'.repeat(Math.ceil((cellw - textw) / this.tabwidth));
      return;
    }
    this.out += this.padchar.repeat(Math.max(cellw - textw, 0));
  }

  private writeLines(pos: number, line0: number, line1: number): number {
    for (let i = line0; i < line1; i++) {
      const line = this.lines[i]!;
      // If TabIndent is set, use tabs to pad leading empty cells.
      let useTabs = (this.flags & TabFlags.TabIndent) !== 0;
      line.forEach((c, j) => {
        if (j > 0 && this.flags & TabFlags.Debug) this.out += '|';
        const width = this.widths[j];
        if (c.size === 0) {
          if (width !== undefined) this.writePadding(c.width, width, useTabs);
          return;
        }
        useTabs = false;
        const text = this.buf.slice(pos, pos + c.size);
        pos += c.size;
        if ((this.flags & TabFlags.AlignRight) === 0) {
          this.out += text;
          if (width !== undefined) this.writePadding(c.width, width, false);
        } else {
          if (width !== undefined) this.writePadding(c.width, width, false);
          this.out += text;
        }
      });
      if (i + 1 === this.lines.length) {
        // Last buffered line: no newline, just any outstanding buffered data.
        this.out += this.buf.slice(pos, pos + this.cell.size);
        pos += this.cell.size;
      } else {
        this.out += '\n';
      }
    }
    return pos;
  }

  /** Formats lines line0..line1 given the widths of the columns to the left; returns the new buffer position. */
  private format(pos: number, line0: number, line1: number): number {
    const column = this.widths.length;
    for (let current = line0; current < line1; current++) {
      if (column >= this.lines[current]!.length - 1) continue;
      // This line has a cell in this column (the last cell of a line belongs to no column):
      // print the lines before this block, then find the block's extent and width.
      pos = this.writeLines(pos, line0, current);
      line0 = current;
      let width = this.minwidth;
      let discardable = true;
      for (; current < line1; current++) {
        const line = this.lines[current]!;
        if (column >= line.length - 1) break;
        const c = line[column]!;
        width = Math.max(width, c.width + this.padding);
        if (c.width > 0 || c.htab) discardable = false;
      }
      if (discardable && this.flags & TabFlags.DiscardEmptyColumns) width = 0;
      // Format and print all columns to the right of this column.
      this.widths.push(width);
      pos = this.format(pos, line0, current);
      this.widths.pop();
      line0 = current;
    }
    return this.writeLines(pos, line0, line1);
  }

  private updateWidth(): void {
    this.cell.width += displayWidth(this.unmeasured);
    this.unmeasured = '';
  }

  private terminateCell(htab: boolean): number {
    this.cell.htab = htab;
    const line = this.lines[this.lines.length - 1]!;
    line.push(this.cell);
    this.cell = { size: 0, width: 0, htab: false };
    return line.length;
  }

  private flushInternal(): void {
    if (this.cell.size > 0) this.terminateCell(false);
    this.buf = this.chunks.join('');
    this.format(0, 0, this.lines.length);
    this.reset();
  }

  write(text: string): void {
    let n = 0;
    for (let i = 0; i < text.length; i++) {
      const ch = text[i];
      if (ch !== '\t' && ch !== '\v' && ch !== '\n' && ch !== '\f') continue;
      this.append(text.slice(n, i));
      this.updateWidth();
      n = i + 1;
      const ncells = this.terminateCell(ch === '\t');
      if (ch === '\n' || ch === '\f') {
        this.lines.push([]);
        // A line with one cell does not affect the formatting of later lines: flush.
        if (ch === '\f' || ncells === 1) {
          this.flushInternal();
          if (ch === '\f' && this.flags & TabFlags.Debug) this.out += '---\n';
        }
      }
    }
    this.append(text.slice(n));
  }

  private append(text: string): void {
    if (text === '') return;
    this.chunks.push(text);
    this.unmeasured += text;
    this.cell.size += text.length;
  }

  /** Flush: formats everything buffered and returns all output produced so far. */
  flush(): string {
    this.flushInternal();
    const out = this.out;
    this.out = '';
    return out;
  }
}
