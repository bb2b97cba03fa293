// Exports of a list as CSV (UTF-8 with a BOM, so spreadsheet programs read Chinese) or XLSX (exceljs): the
// columns and values the person sees on the page, nothing more.
import ExcelJS from 'exceljs';

export type Table = { header: string[]; rows: (string | null)[][] };

const cell = (v: string | null) => {
  const s = v ?? '';
  // A leading = + - @ would be a formula in a spreadsheet: kept as text.
  const safe = /^[=+\-@]/.test(s) && !/^-?[\d.,]+$/.test(s) ? `'${s}` : s;
  return /[",\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
};

export function toCsv(t: Table): string {
  return `\uFEFF${[t.header, ...t.rows].map((r) => r.map(cell).join(',')).join('\r\n')}\r\n`;
}

export async function toXlsx(t: Table, sheet: string): Promise<Buffer> {
  const book = new ExcelJS.Workbook();
  const ws = book.addWorksheet(sheet);
  ws.addRow(t.header).font = { bold: true };
  for (const r of t.rows) ws.addRow(r.map((v) => v ?? ''));
  ws.columns.forEach((c) => {
    c.width = 16;
  });
  ws.views = [{ state: 'frozen', ySplit: 1 }];
  return Buffer.from(await book.xlsx.writeBuffer());
}
