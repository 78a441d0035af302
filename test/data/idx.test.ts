// The IDX reader on small files written here (os.tmpdir()), good and broken, raw and gzip'd.

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { encodeIdx, isGzip, parseIdx } from '../../lib/data/idx';
import { maybeGunzip, readIdxFile, sha256Hex } from '../../lib/node/idx-file';
import { Rng } from '../../lib/rng';

/** n seeded random bytes: they barely compress, so a gzip prefix really is a prefix. */
function noise(n: number, seed = 1): number[] {
  const rng = new Rng(seed);
  return Array.from({ length: n }, () => rng.int(256));
}

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'scratchnet-idx-'));
});
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

/** Writes bytes to a temp file, gzip'd when asked, and returns its path. */
function write(name: string, bytes: Uint8Array, gz = false): string {
  const p = join(dir, name);
  writeFileSync(p, gz ? gzipSync(bytes) : bytes);
  return p;
}

/** A hand-written IDX file: u8, dims [2, 2, 3], values 0..11. Bytes spelled out, not made by encodeIdx. */
const HAND_U8 = Uint8Array.from([0, 0, 0x08, 3, 0, 0, 0, 2, 0, 0, 0, 2, 0, 0, 0, 3, ...Array.from({ length: 12 }, (_, i) => i)]);

describe('readIdxFile on good files', () => {
  test.each([false, true])('u8 3-D, gzip=%s: dims and row-major values', (gz) => {
    const p = write(`u8-${gz}.idx`, HAND_U8, gz);
    const a = readIdxFile(p);
    expect(a.type).toBe('u8');
    expect(a.dims).toEqual([2, 2, 3]);
    expect(a.data).toBeInstanceOf(Uint8Array);
    expect(Array.from(a.data)).toEqual(Array.from({ length: 12 }, (_, i) => i));
  });

  test('gzip is detected by magic bytes, not by the file name', () => {
    const p = write('looks-raw.idx', HAND_U8, true);
    expect(readIdxFile(p).dims).toEqual([2, 2, 3]);
    const q = write('looks-gz.gz', HAND_U8, false);
    expect(readIdxFile(q).dims).toEqual([2, 2, 3]);
  });

  test('big-endian i16 read from hand-written bytes', () => {
    // dims [3]: 0x0102 = 258, 0xFFFE = -2, 0x8000 = -32768
    const bytes = Uint8Array.from([0, 0, 0x0b, 1, 0, 0, 0, 3, 0x01, 0x02, 0xff, 0xfe, 0x80, 0x00]);
    const a = readIdxFile(write('i16.idx', bytes));
    expect(a.type).toBe('i16');
    expect(a.data).toBeInstanceOf(Int16Array);
    expect(Array.from(a.data)).toEqual([258, -2, -32768]);
  });

  test('big-endian f32 read from hand-written bytes', () => {
    // 1.5 = 0x3FC00000, -2 = 0xC0000000
    const bytes = Uint8Array.from([0, 0, 0x0d, 1, 0, 0, 0, 2, 0x3f, 0xc0, 0, 0, 0xc0, 0, 0, 0]);
    const a = readIdxFile(write('f32.idx', bytes));
    expect(Array.from(a.data)).toEqual([1.5, -2]);
  });

  test.each([
    ['u8', [0, 7, 255], Uint8Array],
    ['i8', [-128, 0, 127], Int8Array],
    ['i16', [-32768, 1, 32767], Int16Array],
    ['i32', [-2147483648, 5, 2147483647], Int32Array],
    ['f32', [-1.5, 0.25, 3e10], Float32Array],
    ['f64', [Math.PI, -1e-300, 1e300], Float64Array],
  ] as const)('round trip %s through encodeIdx, raw and gzip', (type, values, ctor) => {
    const bytes = encodeIdx(type, [3, 1], values);
    for (const gz of [false, true]) {
      const a = readIdxFile(write(`rt-${type}-${gz}`, bytes, gz));
      expect(a.type).toBe(type);
      expect(a.dims).toEqual([3, 1]);
      expect(a.data).toBeInstanceOf(ctor);
      expect(Array.from(a.data)).toEqual(values.map((v) => (type === 'f32' ? Math.fround(v) : v)));
    }
  });

  test('limit reads only the first rows, from a gzip prefix', () => {
    const n = 50000;
    const vals = noise(n * 4);
    const bytes = encodeIdx('u8', [n, 2, 2], vals);
    const p = write('rows.idx.gz', bytes, true);
    const a = readIdxFile(p, { limit: 10 });
    expect(a.dims).toEqual([10, 2, 2]);
    expect(Array.from(a.data)).toEqual(vals.slice(0, 40));
    expect(readIdxFile(p, { limit: n + 10 }).dims).toEqual([n, 2, 2]);
    expect(readIdxFile(p, { limit: 0 }).dims).toEqual([0, 2, 2]);
  });

  test('maybeGunzip with minBytes returns at least that prefix, identical to the full output', () => {
    const raw = Uint8Array.from(noise(200000, 2));
    const gz = gzipSync(raw);
    expect(isGzip(gz)).toBe(true);
    const part = maybeGunzip(gz, 'x', 1000);
    expect(part.length).toBeGreaterThanOrEqual(1000);
    expect(part.length).toBeLessThan(raw.length); // really only a prefix was inflated
    expect(maybeGunzip(gz, 'x', 150000).length).toBeGreaterThanOrEqual(150000);
    expect(Buffer.compare(Buffer.from(part), Buffer.from(raw.subarray(0, part.length)))).toBe(0);
  });

  test('a matching checksum passes; it is of the decompressed bytes', () => {
    const p = write('sum.gz', HAND_U8, true);
    expect(readIdxFile(p, { expectedSha256: sha256Hex(HAND_U8) }).dims).toEqual([2, 2, 3]);
  });
});

describe('readIdxFile on broken files: the error names the file and expected vs found', () => {
  const cases: [string, Uint8Array, RegExp][] = [
    ['empty', new Uint8Array(0), /truncated IDX file: expected at least 4 header bytes, found 0/],
    ['wrong magic', Uint8Array.from([0x12, 0x34, 8, 1, 0, 0, 0, 0]), /not an IDX file: expected magic bytes 00 00, found 12 34/],
    ['unsupported type', Uint8Array.from([0, 0, 0x0a, 1, 0, 0, 0, 0]), /unsupported IDX element type 0x0a: expected one of 0x08 \(u8\)/],
    ['truncated dims', Uint8Array.from([0, 0, 8, 3, 0, 0, 0, 2, 0, 0]), /truncated IDX header: expected 16 bytes for 3 dimensions, found 10/],
    ['truncated payload', HAND_U8.subarray(0, HAND_U8.length - 1), /truncated IDX payload: dims \[2, 2, 3\] of u8 need 12 bytes, found 11/],
    ['payload too long', Uint8Array.from([...HAND_U8, 99]), /IDX payload longer than its dimensions: dims \[2, 2, 3\] of u8 need 12 bytes, found 13/],
    ['i32 payload not a multiple', Uint8Array.from([0, 0, 0x0c, 1, 0, 0, 0, 2, 0, 0, 0, 1, 0, 0]), /truncated IDX payload: dims \[2\] of i32 need 8 bytes, found 6/],
  ];
  test.each(cases)('%s (raw and gzip)', (name, bytes, msg) => {
    for (const gz of [false, true]) {
      const p = write(`bad-${name.replace(/ /g, '-')}-${gz}`, bytes, gz);
      expect(() => readIdxFile(p)).toThrow(msg);
      expect(() => readIdxFile(p)).toThrow(p);
    }
  });

  test('a truncated gzip stream', () => {
    const gz = gzipSync(encodeIdx('u8', [1000], Array.from({ length: 1000 }, (_, i) => (i * 13) & 255)));
    const p = write('cut.gz', gz.subarray(0, gz.length - 20));
    expect(() => readIdxFile(p)).toThrow(/cut\.gz: gzip data could not be decompressed/);
  });

  test('a checksum mismatch says both hashes', () => {
    const p = write('badsum.gz', HAND_U8, true);
    const wrong = '0'.repeat(64);
    expect(() => readIdxFile(p, { expectedSha256: wrong })).toThrow(
      new RegExp(`badsum\\.gz: checksum mismatch: expected SHA-256 ${wrong} .*found ${sha256Hex(HAND_U8)}`),
    );
  });

  test('a missing file', () => {
    const p = join(dir, 'nope.idx');
    expect(() => readIdxFile(p)).toThrow(/nope\.idx: cannot read IDX file/);
  });

  test('parseIdx names <buffer> when no source is given, and limit cannot exceed a short payload', () => {
    expect(() => parseIdx(Uint8Array.from([1, 0, 8, 0]))).toThrow(/<buffer>: not an IDX file/);
    expect(() => parseIdx(HAND_U8.subarray(0, 20), 'f', 2)).toThrow(/f: truncated IDX payload: the first 2 entries of dims \[2, 2, 3\] need 12 bytes, found 4/);
  });
});
