// Checks the small pieces under the figures: the PNG encoder (inflated back to its pixels) and the
// DejaVu Sans width table, re-read from the font files themselves when the machine has them.

import * as fs from 'node:fs';
import * as path from 'node:path';
import { PNG } from 'pngjs';
import { DEJAVU_SANS_BOLD_WIDTHS, DEJAVU_SANS_WIDTHS, encodeGrayPng, plotFontFiles, pngSize, textWidth } from '../../lib/node/plot';

/** Advance widths of ASCII 32..126 from a TTF's cmap (format 4, platform 3/1) and hmtx tables. */
function ttfAsciiWidths(file: string): { unitsPerEm: number; widths: number[] } {
  const b = fs.readFileSync(file);
  const tables: Record<string, number> = {};
  for (let i = 0; i < b.readUInt16BE(4); i++) tables[b.toString('ascii', 12 + 16 * i, 16 + 16 * i)] = b.readUInt32BE(20 + 16 * i);
  const unitsPerEm = b.readUInt16BE(tables.head + 18);
  const numHMetrics = b.readUInt16BE(tables.hhea + 34);
  const cmap = tables.cmap;
  let sub = -1;
  for (let i = 0; i < b.readUInt16BE(cmap + 2); i++) {
    if (b.readUInt16BE(cmap + 4 + 8 * i) === 3 && b.readUInt16BE(cmap + 6 + 8 * i) === 1) sub = cmap + b.readUInt32BE(cmap + 8 + 8 * i);
  }
  const segX2 = b.readUInt16BE(sub + 6);
  const ends = sub + 14;
  const starts = ends + segX2 + 2;
  const deltas = starts + segX2;
  const rangeOffsets = deltas + segX2;
  const glyph = (c: number): number => {
    for (let i = 0; i < segX2 / 2; i++) {
      if (c > b.readUInt16BE(ends + 2 * i)) continue;
      const start = b.readUInt16BE(starts + 2 * i);
      if (c < start) return 0;
      const delta = b.readInt16BE(deltas + 2 * i);
      const ro = b.readUInt16BE(rangeOffsets + 2 * i);
      if (ro === 0) return (c + delta) & 0xffff;
      const g = b.readUInt16BE(rangeOffsets + 2 * i + ro + 2 * (c - start));
      return g ? (g + delta) & 0xffff : 0;
    }
    return 0;
  };
  const widths: number[] = [];
  for (let c = 32; c < 127; c++) widths.push(b.readUInt16BE(tables.hmtx + 4 * Math.min(glyph(c), numHMetrics - 1)));
  return { unitsPerEm, widths };
}

describe('DejaVu Sans width table', () => {
  const files = plotFontFiles();
  const regular = files.find((f) => path.basename(f) === 'DejaVuSans.ttf');
  const bold = files.find((f) => path.basename(f) === 'DejaVuSans-Bold.ttf');
  (regular ? test : test.skip)('matches DejaVuSans.ttf', () => {
    expect(ttfAsciiWidths(regular!)).toEqual({ unitsPerEm: 2048, widths: [...DEJAVU_SANS_WIDTHS] });
  });
  (bold ? test : test.skip)('matches DejaVuSans-Bold.ttf', () => {
    expect(ttfAsciiWidths(bold!)).toEqual({ unitsPerEm: 2048, widths: [...DEJAVU_SANS_BOLD_WIDTHS] });
  });
  test('textWidth adds advances and scales by font size', () => {
    // 'i' is 569 and 'W' 2025 units of 2048 in DejaVu Sans.
    expect(textWidth('iW', 2048)).toBe(569 + 2025);
    expect(textWidth('W', 12, true)).toBeCloseTo((2259 * 12) / 2048, 10);
  });
});

describe('encodeGrayPng', () => {
  test('writes an 8-bit grayscale PNG whose pixels decode back, scaled by nearest neighbour', () => {
    const pixels = new Float32Array([0, 0.5, 1, 0.25, 2, -1]); // 2 rows x 3 cols; 2 and -1 clamp
    const png = encodeGrayPng(pixels, 2, 3, 2);
    expect(pngSize(png)).toEqual({ width: 6, height: 4 });
    expect(png[24]).toBe(8); // IHDR bit depth
    expect(png[25]).toBe(0); // IHDR colour type: grayscale
    const img = PNG.sync.read(png); // an independent decoder, which checks every CRC
    const gray = Array.from({ length: 24 }, (_, i) => img.data[4 * i]); // decoded as RGBA
    const row0 = [0, 0, 128, 128, 255, 255]; // each pixel twice
    const row1 = [64, 64, 255, 255, 0, 0];
    expect(gray).toEqual([...row0, ...row0, ...row1, ...row1]);
    expect(Array.from(PNG.sync.read(encodeGrayPng(pixels, 2, 3, 1, true)).data.filter((_, i) => i % 4 === 0))).toEqual([255, 128, 0, 191, 0, 255]); // invert: 1 − v
  });

  test('rejects a pixel count that is not h*w', () => {
    expect(() => encodeGrayPng(new Float32Array(5), 2, 3)).toThrow(/pixels.length must be h\*w = 2\*3 = 6, got 5/);
  });

  test('pngSize refuses a damaged PNG, naming the problem', () => {
    const png = Buffer.from(encodeGrayPng(new Float32Array(64).fill(0.5), 8, 8));
    png[png.length - 20] ^= 0xff; // inside IDAT: its CRC no longer matches
    expect(() => pngSize(png)).toThrow(/pngSize: not a valid PNG \(.+\)/);
    expect(() => pngSize(Buffer.from('not a png at all, not at all'))).toThrow(/pngSize: not a valid PNG/);
  });
});
