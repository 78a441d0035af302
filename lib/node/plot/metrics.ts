// Text widths for vega's layout without node-canvas: DejaVu Sans advance widths (the font resvg draws
// with), so axis titles, legends and labels get the room they need, neither clipped nor padded 30% too wide.

import * as lazy from './lazy';

/**
 * Advance widths of ASCII 32..126 in DejaVu Sans 2.37, in font units (2048 per em), regular then bold.
 * Read from the fonts' cmap and hmtx tables; test/plot/metrics.test.ts re-reads them from the TTF files
 * when they are on the machine and checks these numbers.
 */
export const DEJAVU_SANS_WIDTHS: readonly number[] = [651,821,942,1716,1303,1946,1597,563,799,799,1024,1716,651,739,651,690,1303,1303,1303,1303,1303,1303,1303,1303,1303,1303,690,690,1716,1716,1716,1087,2048,1401,1405,1430,1577,1294,1178,1587,1540,604,604,1343,1141,1767,1532,1612,1235,1612,1423,1300,1251,1499,1401,2025,1403,1251,1403,799,690,799,1716,1024,1024,1255,1300,1126,1300,1260,721,1300,1298,569,569,1186,569,1995,1298,1253,1300,1300,842,1067,803,1298,1212,1675,1212,1212,1075,1303,690,1303,1716];
/** The same for DejaVu Sans Bold (titles, axis titles). */
export const DEJAVU_SANS_BOLD_WIDTHS: readonly number[] = [713,934,1067,1716,1425,2052,1786,627,936,936,1071,1716,778,850,778,748,1425,1425,1425,1425,1425,1425,1425,1425,1425,1425,819,819,1716,1716,1716,1188,2048,1585,1561,1503,1700,1399,1399,1681,1714,762,762,1587,1305,2038,1714,1741,1501,1741,1577,1475,1397,1663,1585,2259,1579,1483,1485,936,748,936,1716,1024,1024,1382,1466,1214,1466,1389,891,1466,1458,702,702,1362,702,2134,1458,1407,1466,1466,1010,1219,979,1458,1335,1892,1321,1335,1192,1458,748,1458,1716];
const UNITS_PER_EM = 2048;
/** Width assumed for characters outside ASCII (accents, symbols): a little over an average letter. */
const OTHER_WIDTH = 1400;

/**
 * Width in pixels of one line of `text` set in DejaVu Sans at `fontSize` pixels. Other fonts of similar
 * build (Arial, Liberation Sans, Helvetica) are narrower, so the estimate errs on the side of room.
 */
export function textWidth(text: string, fontSize: number, bold = false): number {
  const table = bold ? DEJAVU_SANS_BOLD_WIDTHS : DEJAVU_SANS_WIDTHS;
  let units = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    units += c >= 32 && c < 127 ? table[c - 32] : OTHER_WIDTH;
  }
  return (units * fontSize) / UNITS_PER_EM;
}

interface TextItem {
  text?: unknown;
  fontSize?: number | string;
  fontWeight?: number | string;
  limit?: number;
}

function isBold(weight: number | string | undefined): boolean {
  if (weight === undefined) return false;
  const n = Number(weight);
  return Number.isFinite(n) ? n >= 600 : /bold|black|heavy/i.test(String(weight));
}

/** vega's `textMetrics.width(item, text)`: the widest line, capped at the item's `limit` (vega truncates). */
function vegaTextWidth(item: TextItem, text?: unknown): number {
  const value = text ?? item.text;
  const lines = Array.isArray(value) ? value : [value];
  const size = item.fontSize != null ? Number(item.fontSize) || 0 : 11; // vega's default font size
  const bold = isBold(item.fontWeight);
  let w = 0;
  for (const line of lines) w = Math.max(w, textWidth(line == null ? '' : String(line).trim(), size, bold));
  return item.limit !== undefined && item.limit > 0 ? Math.min(w, item.limit) : w;
}

let installed = false;

/**
 * Points vega's text measurement at `textWidth`. Without node-canvas vega guesses 0.8 em per character,
 * which leaves wide gaps before axis titles; vega supports replacing `textMetrics.width` for exactly
 * this (vl-convert does the same). Process-wide and idempotent; called before every render.
 */
export function installTextMetrics(): void {
  if (installed) return;
  const metrics = (lazy.vega() as unknown as { textMetrics: { width: (item: TextItem, text?: unknown) => number } }).textMetrics;
  metrics.width = vegaTextWidth;
  installed = true;
}
