/**
 * CSV for the files merchants open in a spreadsheet (proof of consent, an incident's customers to
 * contact). Pure. RFC 4180 quoting, CRLF line ends, and no cell a spreadsheet would run as a formula.
 */

/** A cell that a spreadsheet will not run as a formula, quoted per RFC 4180. */
export function csvCell(value: unknown): string {
  let text = value === null || value === undefined ? "" : String(value);
  if (/^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/**
 * Rows (the first one the header) as CSV text, each line ended by CRLF. `bom` starts it with a
 * byte-order mark so spreadsheet programs read it as UTF-8.
 */
export function csvText(rows: readonly (readonly unknown[])[], { bom = false } = {}): string {
  const body = rows.map((row) => row.map(csvCell).join(",")).join("\r\n") + "\r\n";
  return bom ? `\uFEFF${body}` : body;
}
