// im2col / col2im for Conv2D on the wasm backend's shared memory: built into image.wasm (with the
// other image-layer kernels, assembly/image.ts) and into kernels.wasm, so the GEMM module's helper
// thread can take half of a batch (lib/backend/wasm/index.ts). Each does exactly what its TypeScript
// kernel in lib/kernels/conv.ts does (the oracle; test/engine/image-kernels.test.ts).
//
// Pointers are byte addresses of float32 arrays. Letters as in lib/kernels/conv.ts: B batch; H W C
// input; KH KW window; SH SW strides; PT PL padding above / left; OH OW output. Images are NHWC.

/**
 * bytes (a multiple of 4) from src to dst. memory.copy for long runs; a short one (a first
 * convolution's window row: 3 floats of one channel) as single floats, since memory.copy costs a
 * call into the runtime each time (im2col of a 28x28x1 batch of 128 took 1.7 ms that way, as long as
 * the 14x14x32 one that copies 8x the bytes).
 */
@inline function copyRun(dst: usize, src: usize, bytes: usize): void {
  if (bytes >= 64) {
    memory.copy(dst, src, bytes);
    return;
  }
  for (let o: usize = 0; o < bytes; o += 4) store<f32>(dst + o, load<f32>(src + o));
}

/** bytes (a multiple of 4) of zeros at dst, as copyRun. */
@inline function zeroRun(dst: usize, bytes: usize): void {
  if (bytes >= 64) {
    memory.fill(dst, 0, bytes);
    return;
  }
  for (let o: usize = 0; o < bytes; o += 4) store<f32>(dst + o, 0);
}

/** cols (B·OH·OW, KH·KW·C) = the window of every output pixel, zeros over the padding. */
export function im2col(cols: usize, inp: usize, B: i32, H: i32, W: i32, C: i32, KH: i32, KW: i32, SH: i32, SW: i32, PT: i32, PL: i32, OH: i32, OW: i32): void {
  const run = <usize>(KW * C) << 2; // bytes of one kernel row of a window
  let dst = cols;
  for (let b = 0; b < B; b++) {
    for (let oh = 0; oh < OH; oh++) {
      for (let ow = 0; ow < OW; ow++) {
        const iw0 = ow * SW - PL;
        // The kernel columns kw in [lo, hi) fall inside the image; a window row is contiguous in NHWC.
        const lo = iw0 < 0 ? -iw0 : 0;
        const hi = iw0 + KW > W ? W - iw0 : KW;
        for (let kh = 0; kh < KH; kh++, dst += run) {
          const ih = oh * SH - PT + kh;
          if (ih < 0 || ih >= H || hi <= lo) {
            zeroRun(dst, run);
            continue;
          }
          if (lo > 0) zeroRun(dst, <usize>(lo * C) << 2);
          copyRun(dst + (<usize>(lo * C) << 2), inp + (<usize>(((b * H + ih) * W + iw0 + lo) * C) << 2), <usize>((hi - lo) * C) << 2);
          if (hi < KW) zeroRun(dst + (<usize>(hi * C) << 2), <usize>((KW - hi) * C) << 2);
        }
      }
    }
  }
}

/** dinp (B, H, W, C) += every entry of dcols added back to the pixel im2col copied it from. */
export function col2im(dinp: usize, dcols: usize, B: i32, H: i32, W: i32, C: i32, KH: i32, KW: i32, SH: i32, SW: i32, PT: i32, PL: i32, OH: i32, OW: i32): void {
  const run = <usize>(KW * C) << 2;
  let src = dcols;
  for (let b = 0; b < B; b++) {
    for (let oh = 0; oh < OH; oh++) {
      for (let ow = 0; ow < OW; ow++) {
        const iw0 = ow * SW - PL;
        const lo = iw0 < 0 ? -iw0 : 0;
        const hi = iw0 + KW > W ? W - iw0 : KW;
        for (let kh = 0; kh < KH; kh++, src += run) {
          const ih = oh * SH - PT + kh;
          if (ih < 0 || ih >= H || hi <= lo) continue;
          const n = (hi - lo) * C;
          const s = src + (<usize>(lo * C) << 2);
          const d = dinp + (<usize>(((b * H + ih) * W + iw0 + lo) * C) << 2);
          const n4 = n & ~3;
          for (let i = 0; i < n4; i += 4) {
            const o = <usize>i << 2;
            v128.store(d + o, f32x4.add(v128.load(d + o), v128.load(s + o)));
          }
          for (let i = n4; i < n; i++) {
            const o = <usize>i << 2;
            store<f32>(d + o, load<f32>(d + o) + load<f32>(s + o));
          }
        }
      }
    }
  }
}

