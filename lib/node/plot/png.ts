// A tiny PNG encoder (8-bit grayscale) and an IHDR reader, so image grids can embed digits as data URLs
// without a canvas or an image library: PNG is zlib-deflated scanlines plus CRC32-checked chunks.

import { deflateSync } from 'node:zlib';

/** CRC-32 (IEEE 802.3, reflected, polynomial 0xEDB88320) lookup table, built once per process. */
const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

/** CRC-32 of `bytes`, as PNG chunks need it (over the chunk type and data). */
export function crc32(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (let i = 0; i < bytes.length; i++) c = CRC_TABLE[(c ^ bytes[i]) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

function chunk(type: string, data: Buffer): Buffer {
  const out = Buffer.alloc(12 + data.length);
  out.writeUInt32BE(data.length, 0);
  out.write(type, 4, 'ascii');
  data.copy(out, 8);
  out.writeUInt32BE(crc32(out.subarray(4, 8 + data.length)), 8 + data.length);
  return out;
}

/**
 * Encodes a grayscale image as an 8-bit PNG.
 * @param pixels (h, w) row-major, values in [0, 1] (clamped; 0 = black, 1 = white unless `invert`)
 * @param h rows, w columns of `pixels`
 * @param scale integer nearest-neighbour upscaling factor, so small digits stay crisp in any viewer
 *   (an SVG viewer may smooth a 28x28 image drawn at 112x112; a 112x112 image needs no scaling)
 * @param invert draw 1 as black (ink on paper) instead of white
 */
export function encodeGrayPng(pixels: ArrayLike<number>, h: number, w: number, scale = 1, invert = false): Buffer {
  if (!Number.isInteger(h) || !Number.isInteger(w) || h <= 0 || w <= 0) {
    throw new Error(`encodeGrayPng: h and w must be positive integers, got h=${h}, w=${w}`);
  }
  if (pixels.length !== h * w) {
    throw new Error(`encodeGrayPng: pixels.length must be h*w = ${h}*${w} = ${h * w}, got ${pixels.length}`);
  }
  if (!Number.isInteger(scale) || scale < 1) throw new Error(`encodeGrayPng: scale must be an integer >= 1, got ${scale}`);
  const H = h * scale;
  const W = w * scale;
  // Each scanline is one filter-type byte (0 = None) followed by W gray bytes.
  const raw = Buffer.alloc(H * (W + 1));
  for (let Y = 0; Y < H; Y++) {
    const row = Y * (W + 1);
    const src = Math.floor(Y / scale) * w;
    for (let X = 0; X < W; X++) {
      let v = pixels[src + Math.floor(X / scale)];
      v = v > 1 ? 1 : v >= 0 ? v : 0; // NaN -> 0 as well
      if (invert) v = 1 - v;
      raw[row + 1 + X] = Math.round(v * 255);
    }
  }
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(W, 0);
  ihdr.writeUInt32BE(H, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 0; // colour type 0: grayscale
  // bytes 10..12: compression 0, filter 0, interlace 0
  return Buffer.concat([
    PNG_SIGNATURE,
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(raw)),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

/** Reads width and height from a PNG's IHDR chunk; throws if `png` does not start with a PNG signature. */
export function pngSize(png: Uint8Array): { width: number; height: number } {
  const b = Buffer.from(png.buffer, png.byteOffset, png.byteLength);
  if (b.length < 24 || !b.subarray(0, 8).equals(PNG_SIGNATURE) || b.toString('ascii', 12, 16) !== 'IHDR') {
    throw new Error('pngSize: not a PNG (missing signature or IHDR chunk)');
  }
  return { width: b.readUInt32BE(16), height: b.readUInt32BE(20) };
}
