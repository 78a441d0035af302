// Image-layer kernels in WebAssembly, on the wasm backend's shared memory (this module imports it
// and has no data of its own): im2col / col2im for Conv2D (from ./conv.ts), max pooling, batch
// normalization, dropout.
// Each does exactly what its TypeScript kernel in lib/kernels/ does (the oracle, and the fallback
// for buffers outside wasm memory); test/engine/image-kernels.test.ts checks the two agree.
// Why wasm at all: a JS loop over a view of shared wasm memory takes V8's slow path (several times
// slower than over a plain array), and these loops touch every activation of a CNN.
//
// Pointers are byte addresses of float32 (argmax: int32; acc: float64) arrays. Letters as in
// lib/kernels/conv.ts: B batch; H W C input; KH KW window; SH SW strides; PT PL padding above / left;
// OH OW output. Images are NHWC.

// im2col and col2im live in ./conv.ts, which kernels.ts exports as well (so the GEMM module's helper
// thread can run half a batch of them).
export { im2col, col2im } from './conv';

/** Lanes 0..3 as int32 (offsets of 4 neighbouring channels). */
// @ts-ignore: decorator
@inline function lanes(): v128 {
  return i32x4(0, 1, 2, 3);
}

/**
 * out (B, OH, OW, C) = max over each window (padding ignored); argmax = flat input index of the first
 * maximum. Channels 4 at a time (SIMD compare and select) when C is a multiple of 4.
 */
export function maxPoolForward(out: usize, argmax: usize, inp: usize, B: i32, H: i32, W: i32, C: i32, KH: i32, KW: i32, SH: i32, SW: i32, PT: i32, PL: i32, OH: i32, OW: i32): void {
  const simd = (C & 3) === 0;
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
        if (simd && h1 - h0 === 2 && w1 - w0 === 2) {
          // A whole 2×2 window (the usual pool): its four pixels in window order, C channels each.
          const i1 = first + C;
          const i2 = first + W * C;
          const i3 = i2 + C;
          let iv = i32x4.add(i32x4.splat(first), lanes());
          const d1 = i32x4.splat(C);
          const d2 = i32x4.splat(W * C);
          const d3 = i32x4.splat(W * C + C);
          const four = i32x4.splat(4);
          for (let c = 0; c < C; c += 4) {
            const q = <usize>c << 2;
            let best = v128.load(inp + (<usize>first << 2) + q);
            let at = iv;
            let v = v128.load(inp + (<usize>i1 << 2) + q);
            let gt = f32x4.gt(v, best);
            best = v128.bitselect(v, best, gt);
            at = v128.bitselect(i32x4.add(iv, d1), at, gt);
            v = v128.load(inp + (<usize>i2 << 2) + q);
            gt = f32x4.gt(v, best);
            best = v128.bitselect(v, best, gt);
            at = v128.bitselect(i32x4.add(iv, d2), at, gt);
            v = v128.load(inp + (<usize>i3 << 2) + q);
            gt = f32x4.gt(v, best);
            best = v128.bitselect(v, best, gt);
            at = v128.bitselect(i32x4.add(iv, d3), at, gt);
            v128.store(po + q, best);
            v128.store(pa + q, at);
            iv = i32x4.add(iv, four);
          }
          continue;
        }
        if (simd) {
          for (let c = 0; c < C; c += 4) {
            let best = v128.load(inp + (<usize>(first + c) << 2));
            let at = i32x4.add(i32x4.splat(first + c), lanes());
            for (let ih = h0; ih < h1; ih++) {
              for (let iw = w0; iw < w1; iw++) {
                const i = ((b * H + ih) * W + iw) * C + c;
                if (i === first + c) continue;
                const v = v128.load(inp + (<usize>i << 2));
                const gt = f32x4.gt(v, best);
                best = v128.bitselect(v, best, gt);
                at = v128.bitselect(i32x4.add(i32x4.splat(i), lanes()), at, gt);
              }
            }
            v128.store(po + (<usize>c << 2), best);
            v128.store(pa + (<usize>c << 2), at);
          }
          continue;
        }
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

/**
 * dinp (B, H, W, C) = 0, then dinp[argmax[o]] += dout[o] for every output o. When the windows tile
 * the image exactly (stride = window, no padding, H = OH·KH, W = OW·KW) and C is a multiple of 4,
 * every input pixel is written once instead: dout where it was its window's argmax, else 0.
 */
export function maxPoolBackward(dinp: usize, dout: usize, argmax: usize, B: i32, H: i32, W: i32, C: i32, KH: i32, KW: i32, SH: i32, SW: i32, PT: i32, PL: i32, OH: i32, OW: i32): void {
  if ((C & 3) === 0 && SH === KH && SW === KW && PT === 0 && PL === 0 && OH * KH === H && OW * KW === W) {
    let o = 0;
    for (let b = 0; b < B; b++) {
      for (let oh = 0; oh < OH; oh++) {
        for (let ow = 0; ow < OW; ow++, o += C) {
          for (let kh = 0; kh < KH; kh++) {
            for (let kw = 0; kw < KW; kw++) {
              const i = ((b * H + oh * KH + kh) * W + ow * KW + kw) * C;
              for (let c = 0; c < C; c += 4) {
                const q = <usize>(o + c) << 2;
                const hit = i32x4.eq(i32x4.add(i32x4.splat(i + c), lanes()), v128.load(argmax + q));
                v128.store(dinp + (<usize>(i + c) << 2), v128.and(v128.load(dout + q), hit));
              }
            }
          }
        }
      }
    }
    return;
  }
  const nIn = B * H * W * C;
  const n = B * OH * OW * C;
  memory.fill(dinp, 0, <usize>nIn << 2);
  for (let o = 0; o < n; o++) {
    const at = dinp + (<usize>load<i32>(argmax + (<usize>o << 2)) << 2);
    store<f32>(at, load<f32>(at) + load<f32>(dout + (<usize>o << 2)));
  }
}

// Batch normalization over x (N, C): each column normalised over its N values. Loops run over
// blocks of rows that fit in L1 (ROWS_FLOATS floats) and, inside a block, 4 columns at a time with
// the column sums in SIMD registers; sums are float64 (f64x2, two lanes per half of an f32x4).
const ROWS_FLOATS = 4096;

/** Rows per block for C columns: ≥ 1, ROWS_FLOATS floats at most. */
// @ts-ignore: decorator
@inline function rowsPerBlock(C: i32): i32 {
  return max(1, ROWS_FLOATS / C);
}

/** The low and high pairs of an f32x4, as two f64x2. */
// @ts-ignore: decorator
@inline function lo64(v: v128): v128 {
  return f64x2.promote_low_f32x4(v);
}
// @ts-ignore: decorator
@inline function hi64(v: v128): v128 {
  return f64x2.promote_low_f32x4(v128.shuffle<f32>(v, v, 2, 3, 0, 1));
}

/** acc[i], acc[i + 1] (f64) += the two lanes of s. */
// @ts-ignore: decorator
@inline function addPair(acc: usize, i: i32, s: v128): void {
  const a = acc + (<usize>i << 3);
  v128.store(a, f64x2.add(v128.load(a), s));
}

/**
 * Batch statistics of x (N, C) in one pass: per column, the float64 sums of d = x − x[0, c] and of d²
 * (shifting by the first row keeps Σd² − (Σd)²/N free of cancellation when |mean| ≫ std), then
 * mean = x[0, c] + Σd/N, biased variance = Σd²/N − (Σd/N)², invStd = 1/√(variance + ε).
 * acc: 2C doubles of scratch (Σd, then Σd²).
 */
export function batchNormStats(mean: usize, variance: usize, invStd: usize, x: usize, acc: usize, N: i32, C: i32, eps: f64): void {
  memory.fill(acc, 0, <usize>(2 * C) << 3);
  const C4 = C & ~3;
  const row = <usize>C << 2;
  const R = rowsPerBlock(C);
  for (let n0 = 0; n0 < N; n0 += R) {
    const n1 = min(N, n0 + R);
    for (let c = 0; c < C4; c += 4) {
      const o = <usize>c << 2;
      const k = v128.load(x + o);
      const k0 = lo64(k);
      const k1 = hi64(k);
      let s0 = f64x2.splat(0);
      let s1 = f64x2.splat(0);
      let q0 = f64x2.splat(0);
      let q1 = f64x2.splat(0);
      let p = x + <usize>n0 * row + o;
      for (let n = n0; n < n1; n++, p += row) {
        const v = v128.load(p);
        const d0 = f64x2.sub(lo64(v), k0);
        const d1 = f64x2.sub(hi64(v), k1);
        s0 = f64x2.add(s0, d0);
        s1 = f64x2.add(s1, d1);
        q0 = f64x2.add(q0, f64x2.mul(d0, d0));
        q1 = f64x2.add(q1, f64x2.mul(d1, d1));
      }
      addPair(acc, c, s0);
      addPair(acc, c + 2, s1);
      addPair(acc, C + c, q0);
      addPair(acc, C + c + 2, q1);
    }
    for (let c = C4; c < C; c++) {
      const o = <usize>c << 2;
      const k = <f64>load<f32>(x + o);
      let s = 0.0;
      let q = 0.0;
      let p = x + <usize>n0 * row + o;
      for (let n = n0; n < n1; n++, p += row) {
        const d = <f64>load<f32>(p) - k;
        s += d;
        q += d * d;
      }
      const a = acc + (<usize>c << 3);
      const a2 = acc + (<usize>(C + c) << 3);
      store<f64>(a, load<f64>(a) + s);
      store<f64>(a2, load<f64>(a2) + q);
    }
  }
  for (let c = 0; c < C; c++) {
    const o = <usize>c << 2;
    const m = load<f64>(acc + (<usize>c << 3)) / <f64>N;
    const v = max(load<f64>(acc + (<usize>(C + c) << 3)) / <f64>N - m * m, 0);
    store<f32>(mean + o, <f32>(<f64>load<f32>(x + o) + m));
    store<f32>(variance + o, <f32>v);
    store<f32>(invStd + o, <f32>(1 / Math.sqrt(v + eps)));
  }
}

/**
 * y = (x − mean)·(γ·invStd) + β per column of (N, C), then y = max(0, y) (NaN kept) when relu ≠ 0.
 * The backward recomputes y's sign from x with these same operations.
 */
export function batchNormNormalize(y: usize, x: usize, mean: usize, invStd: usize, gamma: usize, beta: usize, N: i32, C: i32, relu: i32): void {
  const C4 = C & ~3;
  const row = <usize>C << 2;
  const zero = f32x4.splat(0);
  for (let n = 0; n < N; n++) {
    const r = <usize>n * row;
    for (let c = 0; c < C4; c += 4) {
      const o = <usize>c << 2;
      const k = f32x4.mul(v128.load(gamma + o), v128.load(invStd + o));
      let v = f32x4.add(f32x4.mul(f32x4.sub(v128.load(x + r + o), v128.load(mean + o)), k), v128.load(beta + o));
      if (relu) v = f32x4.max(v, zero);
      v128.store(y + r + o, v);
    }
    for (let c = C4; c < C; c++) {
      const o = <usize>c << 2;
      const k = load<f32>(gamma + o) * load<f32>(invStd + o);
      let v = (load<f32>(x + r + o) - load<f32>(mean + o)) * k + load<f32>(beta + o);
      if (relu && !(v > 0 || v != v)) v = 0;
      store<f32>(y + r + o, v);
    }
  }
}

/**
 * Backward of batchNormNormalize, xhat = (x − mean)·invStd recomputed from x. With relu ≠ 0 the
 * incoming dy is first zeroed where the normalised value (before the ReLU) is not > 0.
 * dβ += Σ dy, dγ += Σ dy·xhat (sums as in batchNormStats, in float32 within a block of rows, then float64
 * in acc, 2C doubles); when dx ≠ 0 also
 * dx = γ·invStd·(dy − (Σdy + xhat·Σdy·xhat)/N) in training, γ·invStd·dy in evaluation.
 */
export function batchNormBackward(dx: usize, dgamma: usize, dbeta: usize, dy: usize, x: usize, mean: usize, gamma: usize, beta: usize, invStd: usize, acc: usize, N: i32, C: i32, training: i32, relu: i32): void {
  memory.fill(acc, 0, <usize>(2 * C) << 3);
  const C4 = C & ~3;
  const row = <usize>C << 2;
  const R = rowsPerBlock(C);
  const zero = f32x4.splat(0);
  for (let n0 = 0; n0 < N; n0 += R) {
    const n1 = min(N, n0 + R);
    for (let c = 0; c < C4; c += 4) {
      const o = <usize>c << 2;
      const m = v128.load(mean + o);
      const is = v128.load(invStd + o);
      const k = f32x4.mul(v128.load(gamma + o), is);
      const b = v128.load(beta + o);
      // float32 sums within the block (at most ROWS_FLOATS / C rows), float64 across blocks: half the
      // work of float64 throughout, and about as accurate as pairwise summation.
      let s = f32x4.splat(0);
      let q = f32x4.splat(0);
      const start = <usize>n0 * row + o;
      for (let n = n0, p = start; n < n1; n++, p += row) {
        const d = f32x4.sub(v128.load(x + p), m);
        let g = v128.load(dy + p);
        if (relu) g = v128.and(g, f32x4.gt(f32x4.add(f32x4.mul(d, k), b), zero));
        s = f32x4.add(s, g);
        q = f32x4.add(q, f32x4.mul(g, f32x4.mul(d, is)));
      }
      addPair(acc, c, lo64(s));
      addPair(acc, c + 2, hi64(s));
      addPair(acc, C + c, lo64(q));
      addPair(acc, C + c + 2, hi64(q));
    }
    for (let c = C4; c < C; c++) {
      const o = <usize>c << 2;
      const m = load<f32>(mean + o);
      const is = load<f32>(invStd + o);
      const k = load<f32>(gamma + o) * is;
      const b = load<f32>(beta + o);
      let s = 0.0;
      let q = 0.0;
      for (let n = n0, p = <usize>n0 * row + o; n < n1; n++, p += row) {
        const d = load<f32>(x + p) - m;
        const g = !relu || d * k + b > 0 ? <f64>load<f32>(dy + p) : 0;
        s += g;
        q += g * <f64>(d * is);
      }
      const a = acc + (<usize>c << 3);
      const a2 = acc + (<usize>(C + c) << 3);
      store<f64>(a, load<f64>(a) + s);
      store<f64>(a2, load<f64>(a2) + q);
    }
  }
  for (let c = 0; c < C; c++) {
    const o = <usize>c << 2;
    store<f32>(dbeta + o, <f32>(<f64>load<f32>(dbeta + o) + load<f64>(acc + (<usize>c << 3))));
    store<f32>(dgamma + o, <f32>(<f64>load<f32>(dgamma + o) + load<f64>(acc + (<usize>(C + c) << 3))));
  }
  if (dx === 0) return;
  // The sums become per-column means, as float32 in acc's first 2C floats: Σdy/N, then Σdy·xhat/N.
  for (let c = 0; c < 2 * C; c++) store<f32>(acc + (<usize>c << 2), training ? <f32>(load<f64>(acc + (<usize>c << 3)) / <f64>N) : 0);
  const a2 = acc + row;
  for (let n = 0; n < N; n++) {
    const r = <usize>n * row;
    for (let c = 0; c < C4; c += 4) {
      const o = <usize>c << 2;
      const is = v128.load(invStd + o);
      const k = f32x4.mul(v128.load(gamma + o), is);
      const d = f32x4.sub(v128.load(x + r + o), v128.load(mean + o));
      let g = v128.load(dy + r + o);
      if (relu) g = v128.and(g, f32x4.gt(f32x4.add(f32x4.mul(d, k), v128.load(beta + o)), zero));
      const t = f32x4.add(v128.load(acc + o), f32x4.mul(f32x4.mul(d, is), v128.load(a2 + o)));
      v128.store(dx + r + o, f32x4.mul(k, f32x4.sub(g, t)));
    }
    for (let c = C4; c < C; c++) {
      const o = <usize>c << 2;
      const is = load<f32>(invStd + o);
      const k = load<f32>(gamma + o) * is;
      const d = load<f32>(x + r + o) - load<f32>(mean + o);
      const g = !relu || d * k + load<f32>(beta + o) > 0 ? load<f32>(dy + r + o) : 0;
      store<f32>(dx + r + o, k * (g - (load<f32>(acc + o) + d * is * load<f32>(a2 + o))));
    }
  }
}

// Dropout.

/**
 * Inverted dropout drawing from the sfc32 stream of lib/rng.ts, continued from state (4 int32: the
 * generator's words a, b, c, d; written back). For i < n, with u the next 32-bit draw:
 * mask[i] = u < threshold ? 0 : keep, y[i] = x[i]·mask[i]. threshold = rate·2³²: Rng's
 * uniform() = u/2³² < rate exactly when u < rate·2³², both sides exact in float64, so the masks are
 * those of the TypeScript loop, bit for bit.
 *
 * No scalar float arithmetic in the loop: the draws are integers, four of them go into one i32x4,
 * an unsigned compare against ⌈threshold⌉ selects keep's bits or 0 (mask), and y = x·mask is one
 * f32x4.mul. Why it matters: a scalar int→float conversion (cvtsi2ss) merges the upper lanes of
 * whatever V8 left in its scratch register, and on AMD EPYC the scalar multiplies that follow ran
 * ~5x slower when those lanes held tiny floats (docs/performance.md, "Garbage upper lanes").
 */
export function dropoutForward(y: usize, mask: usize, x: usize, state: usize, n: i32, threshold: f64, keep: f32): void {
  // u < threshold ⟺ u < ⌈threshold⌉ for an integer u. ⌈threshold⌉ ≤ 2³² since rate < 1; 2³² drops
  // every value, which an unsigned 32-bit bound cannot say: then the kept bits are 0 instead.
  const below = Math.ceil(threshold);
  const all = below >= 4294967296.0;
  const bound: u32 = all ? 0 : <u32>below;
  const kept: i32 = all ? 0 : reinterpret<i32>(keep);
  const bound4 = i32x4.splat(bound);
  const kept4 = i32x4.splat(kept);
  let a = load<u32>(state);
  let b = load<u32>(state, 4);
  let c = load<u32>(state, 8);
  let d = load<u32>(state, 12);
  const n4 = n & ~3;
  for (let i = 0; i < n4; i += 4) {
    let u = i32x4.splat(0);
    // Four draws, in order, into lanes 0..3 (sfc32 is serial: each draw needs the previous state).
    let t = a + b + d; d += 1; a = b ^ (b >>> 9); b = c + (c << 3); c = rotl<u32>(c, 21) + t;
    u = i32x4.replace_lane(u, 0, t);
    t = a + b + d; d += 1; a = b ^ (b >>> 9); b = c + (c << 3); c = rotl<u32>(c, 21) + t;
    u = i32x4.replace_lane(u, 1, t);
    t = a + b + d; d += 1; a = b ^ (b >>> 9); b = c + (c << 3); c = rotl<u32>(c, 21) + t;
    u = i32x4.replace_lane(u, 2, t);
    t = a + b + d; d += 1; a = b ^ (b >>> 9); b = c + (c << 3); c = rotl<u32>(c, 21) + t;
    u = i32x4.replace_lane(u, 3, t);
    // keep's bits where u ≥ ⌈threshold⌉, else 0: a select, not a branch the random draws would mispredict
    const m = v128.and(i32x4.ge_u(u, bound4), kept4);
    const o = <usize>i << 2;
    v128.store(mask + o, m);
    v128.store(y + o, f32x4.mul(v128.load(x + o), m));
  }
  for (let i = n4; i < n; i++) {
    const t = a + b + d; d += 1; a = b ^ (b >>> 9); b = c + (c << 3); c = rotl<u32>(c, 21) + t;
    const m = select<i32>(kept, 0, t >= bound);
    const o = <usize>i << 2;
    store<i32>(mask + o, m);
    store<f32>(y + o, load<f32>(x + o) * reinterpret<f32>(m));
  }
  store<u32>(state, a);
  store<u32>(state, b, 4);
  store<u32>(state, c, 8);
  store<u32>(state, d, 12);
}

/** dx (n) = dy ⊙ mask. */
export function dropoutBackward(dx: usize, dy: usize, mask: usize, n: i32): void {
  const n4 = n & ~3;
  for (let i = 0; i < n4; i += 4) {
    const o = <usize>i << 2;
    v128.store(dx + o, f32x4.mul(v128.load(dy + o), v128.load(mask + o)));
  }
  for (let i = n4; i < n; i++) {
    const o = <usize>i << 2;
    store<f32>(dx + o, load<f32>(dy + o) * load<f32>(mask + o));
  }
}
