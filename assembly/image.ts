// Image-layer kernels in WebAssembly, on the wasm backend's shared memory (this module imports it
// and has no data of its own): im2col / col2im for Conv2D, max pooling, and batch normalization.
// Each does exactly what its TypeScript kernel in lib/kernels/ does (the oracle, and the fallback
// for buffers outside wasm memory); test/engine/image-kernels.test.ts checks the two agree.
// Why wasm at all: a JS loop over a view of shared wasm memory takes V8's slow path (several times
// slower than over a plain array), and these loops touch every activation of a CNN.
//
// Pointers are byte addresses of float32 (argmax: int32; acc: float64) arrays. Letters as in
// lib/kernels/conv.ts: B batch; H W C input; KH KW window; SH SW strides; PT PL padding above / left;
// OH OW output. Images are NHWC.

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
            memory.fill(dst, 0, run);
            continue;
          }
          if (lo > 0) memory.fill(dst, 0, <usize>(lo * C) << 2);
          memory.copy(dst + (<usize>(lo * C) << 2), inp + (<usize>(((b * H + ih) * W + iw0 + lo) * C) << 2), <usize>((hi - lo) * C) << 2);
          if (hi < KW) memory.fill(dst + (<usize>(hi * C) << 2), 0, <usize>((KW - hi) * C) << 2);
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

/** out (B, OH, OW, C) = max over each window (padding ignored); argmax = flat input index of the first maximum. */
export function maxPoolForward(out: usize, argmax: usize, inp: usize, B: i32, H: i32, W: i32, C: i32, KH: i32, KW: i32, SH: i32, SW: i32, PT: i32, PL: i32, OH: i32, OW: i32): void {
  let o = 0;
  for (let b = 0; b < B; b++) {
    for (let oh = 0; oh < OH; oh++) {
      const h0 = max(oh * SH - PT, 0);
      const h1 = min(oh * SH - PT + KH, H);
      for (let ow = 0; ow < OW; ow++, o += C) {
        const w0 = max(ow * SW - PL, 0);
        const w1 = min(ow * SW - PL + KW, W);
        const po = out + (<usize>o << 2);
        const pa = argmax + (<usize>o << 2);
        // The window's first pixel initialises every channel; later pixels replace only a strictly larger value.
        const first = ((b * H + h0) * W + w0) * C;
        for (let c = 0; c < C; c++) {
          store<f32>(po + (<usize>c << 2), load<f32>(inp + (<usize>(first + c) << 2)));
          store<i32>(pa + (<usize>c << 2), first + c);
        }
        for (let ih = h0; ih < h1; ih++) {
          for (let iw = w0; iw < w1; iw++) {
            const i = ((b * H + ih) * W + iw) * C;
            if (i === first) continue;
            for (let c = 0; c < C; c++) {
              const v = load<f32>(inp + (<usize>(i + c) << 2));
              if (v > load<f32>(po + (<usize>c << 2))) {
                store<f32>(po + (<usize>c << 2), v);
                store<i32>(pa + (<usize>c << 2), i + c);
              }
            }
          }
        }
      }
    }
  }
}

/** dinp (nIn) = 0, then dinp[argmax[o]] += dout[o] for o < n. */
export function maxPoolBackward(dinp: usize, dout: usize, argmax: usize, n: i32, nIn: i32): void {
  memory.fill(dinp, 0, <usize>nIn << 2);
  for (let o = 0; o < n; o++) {
    const at = dinp + (<usize>load<i32>(argmax + (<usize>o << 2)) << 2);
    store<f32>(at, load<f32>(at) + load<f32>(dout + (<usize>o << 2)));
  }
}

/**
 * Batch statistics of x (N, C): mean, biased variance and invStd = 1/√(var + ε), per column, summed in
 * float64 (acc: 2C doubles of scratch) in two passes, as lib/kernels/batchnorm.ts.
 */
export function batchNormStats(mean: usize, variance: usize, invStd: usize, x: usize, acc: usize, N: i32, C: i32, eps: f64): void {
  memory.fill(acc, 0, <usize>(2 * C) << 3);
  let p = x;
  for (let n = 0; n < N; n++) {
    for (let c = 0; c < C; c++, p += 4) {
      const a = acc + (<usize>c << 3);
      store<f64>(a, load<f64>(a) + <f64>load<f32>(p));
    }
  }
  for (let c = 0; c < C; c++) store<f32>(mean + (<usize>c << 2), <f32>(load<f64>(acc + (<usize>c << 3)) / <f64>N));
  p = x;
  for (let n = 0; n < N; n++) {
    for (let c = 0; c < C; c++, p += 4) {
      const a = acc + (<usize>(C + c) << 3);
      const d = <f64>load<f32>(p) - <f64>load<f32>(mean + (<usize>c << 2));
      store<f64>(a, load<f64>(a) + d * d);
    }
  }
  for (let c = 0; c < C; c++) {
    const v = load<f64>(acc + (<usize>(C + c) << 3)) / <f64>N;
    store<f32>(variance + (<usize>c << 2), <f32>v);
    store<f32>(invStd + (<usize>c << 2), <f32>(1 / Math.sqrt(v + eps)));
  }
}

/** xhat = (x − mean)·invStd, y = γ·xhat + β, per column of (N, C). */
export function batchNormNormalize(y: usize, xhat: usize, x: usize, mean: usize, invStd: usize, gamma: usize, beta: usize, N: i32, C: i32): void {
  const C4 = C & ~3;
  const row = <usize>C << 2;
  for (let n = 0; n < N; n++) {
    const r = <usize>n * row;
    for (let c = 0; c < C4; c += 4) {
      const o = <usize>c << 2;
      const h = f32x4.mul(f32x4.sub(v128.load(x + r + o), v128.load(mean + o)), v128.load(invStd + o));
      v128.store(xhat + r + o, h);
      v128.store(y + r + o, f32x4.add(f32x4.mul(v128.load(gamma + o), h), v128.load(beta + o)));
    }
    for (let c = C4; c < C; c++) {
      const o = <usize>c << 2;
      const h = (load<f32>(x + r + o) - load<f32>(mean + o)) * load<f32>(invStd + o);
      store<f32>(xhat + r + o, h);
      store<f32>(y + r + o, load<f32>(gamma + o) * h + load<f32>(beta + o));
    }
  }
}

/**
 * dβ += Σ dy, dγ += Σ dy·xhat (float64 sums in acc, 2C doubles); when dx ≠ 0 also
 * dx = γ·invStd·(dy − (Σdy + xhat·Σdy·xhat)/N) in training, γ·invStd·dy in evaluation.
 */
export function batchNormBackward(dx: usize, dgamma: usize, dbeta: usize, dy: usize, xhat: usize, gamma: usize, invStd: usize, acc: usize, N: i32, C: i32, training: i32): void {
  memory.fill(acc, 0, <usize>(2 * C) << 3);
  const row = <usize>C << 2;
  for (let n = 0; n < N; n++) {
    const r = <usize>n * row;
    for (let c = 0; c < C; c++) {
      const o = <usize>c << 2;
      const g = <f64>load<f32>(dy + r + o);
      const a = acc + (<usize>c << 3);
      const a2 = acc + (<usize>(C + c) << 3);
      store<f64>(a, load<f64>(a) + g);
      store<f64>(a2, load<f64>(a2) + g * <f64>load<f32>(xhat + r + o));
    }
  }
  for (let c = 0; c < C; c++) {
    const o = <usize>c << 2;
    store<f32>(dbeta + o, <f32>(<f64>load<f32>(dbeta + o) + load<f64>(acc + (<usize>c << 3))));
    store<f32>(dgamma + o, <f32>(<f64>load<f32>(dgamma + o) + load<f64>(acc + (<usize>(C + c) << 3))));
  }
  if (dx === 0) return;
  // The sums become means, once per column: acc[c] = Σdy/N, acc[C + c] = Σdy·xhat/N.
  for (let c = 0; c < 2 * C; c++) store<f64>(acc + (<usize>c << 3), load<f64>(acc + (<usize>c << 3)) / <f64>N);
  for (let n = 0; n < N; n++) {
    const r = <usize>n * row;
    for (let c = 0; c < C; c++) {
      const o = <usize>c << 2;
      const k = <f64>load<f32>(gamma + o) * <f64>load<f32>(invStd + o);
      const g = <f64>load<f32>(dy + r + o);
      const d = training ? k * (g - (load<f64>(acc + (<usize>c << 3)) + <f64>load<f32>(xhat + r + o) * load<f64>(acc + (<usize>(C + c) << 3)))) : k * g;
      store<f32>(dx + r + o, <f32>d);
    }
  }
}
