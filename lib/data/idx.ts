// Parses IDX bytes, the format MNIST and Fashion-MNIST ship in (lib/node/idx-file.ts reads and gunzips
// files; lib/web/fetch.ts fetches them), and checks them: every
// malformed input ends in an Error that names the file and says what was expected and what was found.
//
// IDX layout (all integers big-endian):
//   bytes 0-1   0x00 0x00                        magic
//   byte  2     element type: 0x08 u8, 0x09 i8, 0x0B i16, 0x0C i32, 0x0D f32, 0x0E f64
//   byte  3     number of dimensions D
//   4·D bytes   each dimension as an unsigned 32-bit integer
//   then        the elements, row-major, product(dims) of them

/** The element types an IDX file can hold, by their type byte. */
export const IDX_TYPES = {
  0x08: { name: 'u8', bytes: 1 },
  0x09: { name: 'i8', bytes: 1 },
  0x0b: { name: 'i16', bytes: 2 },
  0x0c: { name: 'i32', bytes: 4 },
  0x0d: { name: 'f32', bytes: 4 },
  0x0e: { name: 'f64', bytes: 8 },
} as const;

export type IdxTypeName = (typeof IDX_TYPES)[keyof typeof IDX_TYPES]['name'];
export type IdxData = Uint8Array | Int8Array | Int16Array | Int32Array | Float32Array | Float64Array;

/** A decoded IDX file: data holds product(dims) elements, row-major. */
export interface IdxArray {
  type: IdxTypeName;
  dims: number[];
  data: IdxData;
}

/** The parsed header of an IDX file. */
export interface IdxHeader {
  type: IdxTypeName;
  /** Bytes per element. */
  elementBytes: number;
  dims: number[];
  /** Where the elements start: 4 + 4·D. */
  dataOffset: number;
  /** product(dims). */
  count: number;
}

const hex2 = (b: number): string => b.toString(16).padStart(2, '0');

/** True when bytes start with the gzip magic 1f 8b. */
export function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

/**
 * Parses and checks the header of IDX bytes (already decompressed): magic, element type, and that all
 * D dimensions are present. The payload is checked against the dimensions by parseIdx.
 */
export function parseIdxHeader(bytes: Uint8Array, source: string): IdxHeader {
  if (bytes.length < 4) {
    throw new Error(`${source}: truncated IDX file: expected at least 4 header bytes, found ${bytes.length}`);
  }
  if (bytes[0] !== 0 || bytes[1] !== 0) {
    throw new Error(`${source}: not an IDX file: expected magic bytes 00 00, found ${hex2(bytes[0])} ${hex2(bytes[1])}`);
  }
  const typeByte = bytes[2];
  const t = (IDX_TYPES as Record<number, { name: IdxTypeName; bytes: number } | undefined>)[typeByte];
  if (!t) {
    throw new Error(
      `${source}: unsupported IDX element type 0x${hex2(typeByte)}: expected one of 0x08 (u8), 0x09 (i8), 0x0b (i16), 0x0c (i32), 0x0d (f32), 0x0e (f64)`,
    );
  }
  const D = bytes[3];
  const dataOffset = 4 + 4 * D;
  if (bytes.length < dataOffset) {
    throw new Error(`${source}: truncated IDX header: expected ${dataOffset} bytes for ${D} dimensions, found ${bytes.length}`);
  }
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const dims: number[] = [];
  let count = 1;
  for (let d = 0; d < D; d++) {
    const n = dv.getUint32(4 + 4 * d, false);
    dims.push(n);
    count *= n;
  }
  return { type: t.name, elementBytes: t.bytes, dims, dataOffset, count };
}

/**
 * Decodes IDX bytes (raw, already decompressed) into a typed array of the file's element type.
 * u8 data is returned as a view into `bytes` (no copy); wider types are converted from big-endian.
 * `limit` reads only the first `limit` entries of the first dimension (dims[0] becomes limit), and then
 * the payload may be longer than needed; without it, the payload must be exactly product(dims) elements.
 */
export function parseIdx(bytes: Uint8Array, source = '<buffer>', limit?: number): IdxArray {
  const h = parseIdxHeader(bytes, source);
  const dims = h.dims.slice();
  let count = h.count;
  const payload = bytes.length - h.dataOffset;
  if (limit !== undefined) {
    if (dims.length === 0) throw new Error(`${source}: cannot take the first ${limit} entries of a 0-dimensional IDX file`);
    if (!Number.isInteger(limit) || limit < 0) throw new Error(`${source}: limit must be a non-negative integer, got ${limit}`);
    const rowCount = dims[0] === 0 ? 0 : count / dims[0];
    dims[0] = Math.min(limit, dims[0]);
    count = rowCount * dims[0];
    if (payload < count * h.elementBytes) {
      throw new Error(
        `${source}: truncated IDX payload: the first ${dims[0]} entries of dims [${h.dims.join(', ')}] need ${count * h.elementBytes} bytes, found ${payload}`,
      );
    }
  } else if (payload !== count * h.elementBytes) {
    throw new Error(
      `${source}: ${payload < count * h.elementBytes ? 'truncated IDX payload' : 'IDX payload longer than its dimensions'}: ` +
        `dims [${h.dims.join(', ')}] of ${h.type} need ${count * h.elementBytes} bytes, found ${payload}`,
    );
  }
  const off = h.dataOffset;
  let data: IdxData;
  switch (h.type) {
    case 'u8':
      data = new Uint8Array(bytes.buffer, bytes.byteOffset + off, count);
      break;
    case 'i8':
      data = new Int8Array(bytes.buffer, bytes.byteOffset + off, count);
      break;
    default: {
      // Wider types are big-endian on disk; DataView reads them whatever the host's byte order.
      const dv = new DataView(bytes.buffer, bytes.byteOffset + off, count * h.elementBytes);
      if (h.type === 'i16') {
        const a = new Int16Array(count);
        for (let i = 0; i < count; i++) a[i] = dv.getInt16(2 * i, false);
        data = a;
      } else if (h.type === 'i32') {
        const a = new Int32Array(count);
        for (let i = 0; i < count; i++) a[i] = dv.getInt32(4 * i, false);
        data = a;
      } else if (h.type === 'f32') {
        const a = new Float32Array(count);
        for (let i = 0; i < count; i++) a[i] = dv.getFloat32(4 * i, false);
        data = a;
      } else {
        const a = new Float64Array(count);
        for (let i = 0; i < count; i++) a[i] = dv.getFloat64(8 * i, false);
        data = a;
      }
    }
  }
  return { type: h.type, dims, data };
}

/**
 * Encodes an array as IDX bytes (raw; gzip them if wanted). For writing a user's own data
 * and for tests. dims must multiply to data.length.
 */
export function encodeIdx(type: IdxTypeName, dims: readonly number[], data: ArrayLike<number>): Uint8Array {
  const entry = Object.entries(IDX_TYPES).find(([, v]) => v.name === type);
  if (!entry) throw new Error(`encodeIdx: unknown type '${type}'`);
  const typeByte = Number(entry[0]);
  const size = entry[1].bytes;
  const count = dims.reduce((a, b) => a * b, 1);
  if (count !== data.length) throw new Error(`encodeIdx: dims [${dims.join(', ')}] need ${count} elements, found ${data.length}`);
  const off = 4 + 4 * dims.length;
  const out = new Uint8Array(off + count * size);
  const dv = new DataView(out.buffer);
  out[2] = typeByte;
  out[3] = dims.length;
  dims.forEach((n, d) => dv.setUint32(4 + 4 * d, n, false));
  for (let i = 0; i < count; i++) {
    const v = data[i];
    const p = off + i * size;
    if (type === 'u8') dv.setUint8(p, v);
    else if (type === 'i8') dv.setInt8(p, v);
    else if (type === 'i16') dv.setInt16(p, v, false);
    else if (type === 'i32') dv.setInt32(p, v, false);
    else if (type === 'f32') dv.setFloat32(p, v, false);
    else dv.setFloat64(p, v, false);
  }
  return out;
}
