// IDX files on disk, raw or gzip'd: read, gunzipped (only as much as needed for the first rows when a
// limit is given), checked against a SHA-256, then parsed by lib/data/idx.ts.

import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { constants as zlibConstants, gunzipSync } from 'node:zlib';
import { isGzip, parseIdx, parseIdxHeader, type IdxArray } from '../data/idx';

/** Lowercase hex SHA-256 of bytes. */
export function sha256Hex(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/**
 * Gunzips bytes, or returns them unchanged when they are not gzip'd. `source` names the file in errors.
 * With `minBytes`, decompresses only a prefix of at least that many bytes when it can (fewer if the
 * file is shorter): reading the first few thousand images need not inflate all 47 MB.
 */
export function maybeGunzip(bytes: Uint8Array, source: string, minBytes?: number): Uint8Array {
  if (!isGzip(bytes)) return bytes;
  try {
    if (minBytes !== undefined && bytes.length > 18) {
      // The gzip trailer's last 4 bytes are the decompressed size mod 2^32 (little-endian): scale the
      // compressed prefix to the share we need, with margin, and double it until the output is long enough.
      const total = (bytes[bytes.length - 4] | (bytes[bytes.length - 3] << 8) | (bytes[bytes.length - 2] << 16) | (bytes[bytes.length - 1] << 24)) >>> 0;
      if (total > 0 && minBytes < total) {
        let take = Math.ceil((bytes.length * minBytes) / total * 1.25) + 4096;
        while (take < bytes.length) {
          // Z_SYNC_FLUSH makes zlib hand back what it inflated instead of failing on the cut-off stream.
          const out = gunzipSync(bytes.subarray(0, take), { finishFlush: zlibConstants.Z_SYNC_FLUSH });
          if (out.length >= minBytes) return out;
          take *= 2;
        }
      }
    }
    return gunzipSync(bytes);
  } catch (e) {
    throw new Error(`${source}: gzip data could not be decompressed (truncated or corrupt?): ${(e as Error).message}`);
  }
}

/** Options of readIdxFile. */
export interface ReadIdxOptions {
  /**
   * Lowercase hex SHA-256 the DECOMPRESSED file must have; a mismatch throws. Checking it needs the
   * whole file inflated, so it disables the partial read that `limit` otherwise allows.
   */
  expectedSha256?: string;
  /** Read only the first `limit` entries of the first dimension (e.g. the first 1000 images). */
  limit?: number;
}

/**
 * Reads an IDX file from disk, gzip'd (detected by its magic bytes 1f 8b, whatever its name) or raw,
 * and decodes it with parseIdx.
 */
export function readIdxFile(path: string, options: ReadIdxOptions = {}): IdxArray {
  let file: Uint8Array;
  try {
    file = readFileSync(path);
  } catch (e) {
    throw new Error(`${path}: cannot read IDX file: ${(e as Error).message}`);
  }
  const { expectedSha256, limit } = options;
  let minBytes: number | undefined;
  if (limit !== undefined && expectedSha256 === undefined && isGzip(file)) {
    // Inflate just enough for the header, then just enough for `limit` rows.
    const head = parseIdxHeader(maybeGunzip(file, path, 4 + 4 * 255), path);
    const rows = head.dims.length ? head.dims[0] : 1;
    const rowBytes = rows === 0 ? 0 : (head.count / rows) * head.elementBytes;
    minBytes = head.dataOffset + Math.min(limit, rows) * rowBytes;
  }
  const bytes = maybeGunzip(file, path, minBytes);
  if (expectedSha256 !== undefined) {
    const found = sha256Hex(bytes);
    if (found !== expectedSha256.toLowerCase()) {
      throw new Error(
        `${path}: checksum mismatch: expected SHA-256 ${expectedSha256} of the decompressed file, found ${found} (the file is damaged or not the shipped one)`,
      );
    }
  }
  return parseIdx(bytes, path, limit);
}
