// The 'wasm' backend's kernels, in AssemblyScript, compiled by `npm run build` (asc, SIMD on) to
// dist/lib/backend/wasm/kernels.wasm. The JS side (lib/backend/wasm/) owns the memory, the
// allocator and the worker thread; everything here is pure arithmetic on byte addresses.
//
// Dimension letters: M rows of the result, K the contracted dimension, N columns of the result.
// Every pointer is a byte address into the one shared memory. Strides are in bytes:
//   ldc  between rows of out;  lda_i / lda_k  between consecutive i / k of the logical A (M,K),
//   so A·B passes (K*4, 4) and Aᵀ·B (A stored (K,M)) passes (4, M*4);  ldb  between rows of B (K,N).
// `mode` says how a tile's accumulators start: 0 zero, 1 from out (accumulate / later K blocks),
// 2 from the bias vector (denseForward's fused bias).
//
// Why these shapes (measured on this machine's AMD EPYC, V8's TurboFan, relaxed-SIMD FMA, data in
// L1): a 6x8 tile (12 f32x4 accumulators, 2 of B, 1 broadcast of A: 15 of the 16 xmm registers,
// V8 keeps one for itself) runs at ~62 GFLOP/s on one core; the former 4x16 tile, whose 16
// accumulators do not fit and get spilled every k, at ~40; 4x8 at ~57, 3x16 and 4x12 at ~31.
//
// Blocking (GotoBLAS's loop order): for each block of KC rows of B (a K block), and each panel of NC
// columns of it, the panel is packed (8-column strips, kc x 8 floats each, contiguous); then MC rows
// of A at a time (MC x kc floats, ~120 KiB, stay in L2) pass over every strip of the panel (a strip,
// kc x 8 floats = 10 KiB, stays in L1 while the MC/6 tiles of the block use it). So each K block of A
// is read from memory once, not once per strip: a convolution's im2col matrix (25,088 x 288) is
// 29 MB. Every element still sums its k in increasing order, one k at a time, whatever the blocks
// (an accumulator is stored and reloaded exactly between K blocks), so results do not depend on
// the blocking or on how the work is split over threads.

// Conv2D's im2col / col2im, exported here too so the helper thread can run them (see ./conv.ts).
export { im2col, col2im } from './conv';

const KC_MAX: i32 = 320;
const NC: i32 = 384;
const MC: i32 = 96;
/** Floats of one thread's packing scratch (KC_MAX x NC); lib/backend/wasm/index.ts allocates this many. */
export const PACK_FLOATS: i32 = KC_MAX * NC;

/**
 * a·b + c on four lanes. This file is built twice (package.json, scripts/build-wasm.js): kernels.wasm with
 * plain SIMD (a multiply, then an add, each rounded) and kernels-fma.wasm with relaxed SIMD, where
 * f32x4.relaxed_madd compiles to one fused multiply-add (one rounding) on CPUs that have FMA. The loader
 * uses the second where the runtime accepts relaxed SIMD (lib/backend/wasm/index.ts).
 */
@inline function madd(a: v128, b: v128, c: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) return f32x4.relaxed_madd(a, b, c);
  return f32x4.add(f32x4.mul(a, b), c);
}

// ---------------------------------------------------------------------------------------------
// Microkernels: out tile (R rows x W columns) (+)= A (R, kc) · B (kc, W).

@inline function start(mode: i32, c: usize, bias: usize, off: usize): v128 {
  if (mode == 1) return v128.load(c + off);
  if (mode == 2) return v128.load(bias + off);
  return f32x4.splat(0);
}

function micro6x8(c: usize, ldc: usize, a: usize, lda_i: usize, lda_k: usize, b: usize, ldb: usize, kc: i32, mode: i32, bias: usize): void {
  const c1 = c + ldc, c2 = c1 + ldc, c3 = c2 + ldc, c4 = c3 + ldc, c5 = c4 + ldc;
  let r00 = start(mode, c, bias, 0), r01 = start(mode, c, bias, 16);
  let r10 = start(mode, c1, bias, 0), r11 = start(mode, c1, bias, 16);
  let r20 = start(mode, c2, bias, 0), r21 = start(mode, c2, bias, 16);
  let r30 = start(mode, c3, bias, 0), r31 = start(mode, c3, bias, 16);
  let r40 = start(mode, c4, bias, 0), r41 = start(mode, c4, bias, 16);
  let r50 = start(mode, c5, bias, 0), r51 = start(mode, c5, bias, 16);
  let a0 = a, a1 = a0 + lda_i, a2 = a1 + lda_i, a3 = a2 + lda_i, a4 = a3 + lda_i, a5 = a4 + lda_i;
  for (let k = 0; k < kc; k++) {
    const b0 = v128.load(b), b1 = v128.load(b, 16);
    let x = v128.load32_splat(a0);
    r00 = madd(x, b0, r00); r01 = madd(x, b1, r01);
    x = v128.load32_splat(a1);
    r10 = madd(x, b0, r10); r11 = madd(x, b1, r11);
    x = v128.load32_splat(a2);
    r20 = madd(x, b0, r20); r21 = madd(x, b1, r21);
    x = v128.load32_splat(a3);
    r30 = madd(x, b0, r30); r31 = madd(x, b1, r31);
    x = v128.load32_splat(a4);
    r40 = madd(x, b0, r40); r41 = madd(x, b1, r41);
    x = v128.load32_splat(a5);
    r50 = madd(x, b0, r50); r51 = madd(x, b1, r51);
    a0 += lda_k; a1 += lda_k; a2 += lda_k; a3 += lda_k; a4 += lda_k; a5 += lda_k; b += ldb;
  }
  v128.store(c, r00); v128.store(c, r01, 16);
  v128.store(c1, r10); v128.store(c1, r11, 16);
  v128.store(c2, r20); v128.store(c2, r21, 16);
  v128.store(c3, r30); v128.store(c3, r31, 16);
  v128.store(c4, r40); v128.store(c4, r41, 16);
  v128.store(c5, r50); v128.store(c5, r51, 16);
}

/** The last M % 6 rows of a strip, four at a time. */
function micro4x8(c: usize, ldc: usize, a: usize, lda_i: usize, lda_k: usize, b: usize, ldb: usize, kc: i32, mode: i32, bias: usize): void {
  const c1 = c + ldc, c2 = c1 + ldc, c3 = c2 + ldc;
  let r00 = start(mode, c, bias, 0), r01 = start(mode, c, bias, 16);
  let r10 = start(mode, c1, bias, 0), r11 = start(mode, c1, bias, 16);
  let r20 = start(mode, c2, bias, 0), r21 = start(mode, c2, bias, 16);
  let r30 = start(mode, c3, bias, 0), r31 = start(mode, c3, bias, 16);
  let a0 = a, a1 = a0 + lda_i, a2 = a1 + lda_i, a3 = a2 + lda_i;
  for (let k = 0; k < kc; k++) {
    const b0 = v128.load(b), b1 = v128.load(b, 16);
    let x = v128.load32_splat(a0);
    r00 = madd(x, b0, r00); r01 = madd(x, b1, r01);
    x = v128.load32_splat(a1);
    r10 = madd(x, b0, r10); r11 = madd(x, b1, r11);
    x = v128.load32_splat(a2);
    r20 = madd(x, b0, r20); r21 = madd(x, b1, r21);
    x = v128.load32_splat(a3);
    r30 = madd(x, b0, r30); r31 = madd(x, b1, r31);
    a0 += lda_k; a1 += lda_k; a2 += lda_k; a3 += lda_k; b += ldb;
  }
  v128.store(c, r00); v128.store(c, r01, 16);
  v128.store(c1, r10); v128.store(c1, r11, 16);
  v128.store(c2, r20); v128.store(c2, r21, 16);
  v128.store(c3, r30); v128.store(c3, r31, 16);
}

/** Three rows of a strip (M % 6 = 3: a first convolution's 3x3x1 = 9-row weight gradient). */
function micro3x8(c: usize, ldc: usize, a: usize, lda_i: usize, lda_k: usize, b: usize, ldb: usize, kc: i32, mode: i32, bias: usize): void {
  const c1 = c + ldc, c2 = c1 + ldc;
  let r00 = start(mode, c, bias, 0), r01 = start(mode, c, bias, 16);
  let r10 = start(mode, c1, bias, 0), r11 = start(mode, c1, bias, 16);
  let r20 = start(mode, c2, bias, 0), r21 = start(mode, c2, bias, 16);
  let a0 = a, a1 = a0 + lda_i, a2 = a1 + lda_i;
  for (let k = 0; k < kc; k++) {
    const b0 = v128.load(b), b1 = v128.load(b, 16);
    let x = v128.load32_splat(a0);
    r00 = madd(x, b0, r00); r01 = madd(x, b1, r01);
    x = v128.load32_splat(a1);
    r10 = madd(x, b0, r10); r11 = madd(x, b1, r11);
    x = v128.load32_splat(a2);
    r20 = madd(x, b0, r20); r21 = madd(x, b1, r21);
    a0 += lda_k; a1 += lda_k; a2 += lda_k; b += ldb;
  }
  v128.store(c, r00); v128.store(c, r01, 16);
  v128.store(c1, r10); v128.store(c1, r11, 16);
  v128.store(c2, r20); v128.store(c2, r21, 16);
}

/** One row of a strip (the rows left after the 6-, 4- and 3-row tiles). */
function micro1x8(c: usize, a: usize, lda_k: usize, b: usize, ldb: usize, kc: i32, mode: i32, bias: usize): void {
  let r0 = start(mode, c, bias, 0), r1 = start(mode, c, bias, 16);
  for (let k = 0; k < kc; k++) {
    const x = v128.load32_splat(a);
    r0 = madd(x, v128.load(b), r0); r1 = madd(x, v128.load(b, 16), r1);
    a += lda_k; b += ldb;
  }
  v128.store(c, r0); v128.store(c, r1, 16);
}

/** 4 rows x 4 columns: the N % 8 tail, four columns at a time. */
function micro4x4(c: usize, ldc: usize, a: usize, lda_i: usize, lda_k: usize, b: usize, ldb: usize, kc: i32, mode: i32, bias: usize): void {
  const c1 = c + ldc, c2 = c1 + ldc, c3 = c2 + ldc;
  let r0 = start(mode, c, bias, 0), r1 = start(mode, c1, bias, 0), r2 = start(mode, c2, bias, 0), r3 = start(mode, c3, bias, 0);
  let a0 = a, a1 = a + lda_i, a2 = a1 + lda_i, a3 = a2 + lda_i;
  for (let k = 0; k < kc; k++) {
    const bv = v128.load(b);
    r0 = madd(v128.load32_splat(a0), bv, r0);
    r1 = madd(v128.load32_splat(a1), bv, r1);
    r2 = madd(v128.load32_splat(a2), bv, r2);
    r3 = madd(v128.load32_splat(a3), bv, r3);
    a0 += lda_k; a1 += lda_k; a2 += lda_k; a3 += lda_k; b += ldb;
  }
  v128.store(c, r0); v128.store(c1, r1); v128.store(c2, r2); v128.store(c3, r3);
}

function micro1x4(c: usize, a: usize, lda_k: usize, b: usize, ldb: usize, kc: i32, mode: i32, bias: usize): void {
  let r = start(mode, c, bias, 0);
  for (let k = 0; k < kc; k++) {
    r = madd(v128.load32_splat(a), v128.load(b), r);
    a += lda_k; b += ldb;
  }
  v128.store(c, r);
}

/** One element: the last N % 4 columns. Four partial sums, so the adds do not wait on each other. */
function micro1x1(c: usize, a: usize, lda_k: usize, b: usize, ldb: usize, kc: i32, mode: i32, bias: usize): void {
  let s0: f32 = 0, s1: f32 = 0, s2: f32 = 0, s3: f32 = 0;
  let k = 0;
  for (; k + 4 <= kc; k += 4) {
    s0 += load<f32>(a) * load<f32>(b);
    s1 += load<f32>(a + lda_k) * load<f32>(b + ldb);
    s2 += load<f32>(a + 2 * lda_k) * load<f32>(b + 2 * ldb);
    s3 += load<f32>(a + 3 * lda_k) * load<f32>(b + 3 * ldb);
    a += 4 * lda_k; b += 4 * ldb;
  }
  for (; k < kc; k++) {
    s0 += load<f32>(a) * load<f32>(b);
    a += lda_k; b += ldb;
  }
  const s = (s0 + s1) + (s2 + s3);
  store<f32>(c, s + (mode == 1 ? load<f32>(c) : mode == 2 ? load<f32>(bias) : 0));
}

// ---------------------------------------------------------------------------------------------
// Dense GEMM.

/**
 * Rows 0..M of one 8-column strip: 6x8 tiles, then the last M % 6 rows as 4x8 (+ 1x8), 3x8 or 1x8s
 * (a one-row tile has only 2 independent accumulators, so it waits on the FMA latency: ~1/4 speed).
 */
function strip8(c: usize, ldc: usize, a: usize, lda_i: usize, lda_k: usize, b: usize, ldb: usize, M: i32, kc: i32, mode: i32, bias: usize): void {
  let i = 0;
  for (; i + 6 <= M; i += 6) micro6x8(c + <usize>i * ldc, ldc, a + <usize>i * lda_i, lda_i, lda_k, b, ldb, kc, mode, bias);
  if (i + 4 <= M) {
    micro4x8(c + <usize>i * ldc, ldc, a + <usize>i * lda_i, lda_i, lda_k, b, ldb, kc, mode, bias);
    i += 4;
  } else if (i + 3 <= M) {
    micro3x8(c + <usize>i * ldc, ldc, a + <usize>i * lda_i, lda_i, lda_k, b, ldb, kc, mode, bias);
    i += 3;
  }
  for (; i < M; i++) micro1x8(c + <usize>i * ldc, a + <usize>i * lda_i, lda_k, b, ldb, kc, mode, bias);
}

/** The K block size: K cut into equal blocks of at most KC_MAX (288 stays one block, 784 is 3 x 262). */
@inline function kBlock(K: i32): i32 {
  const blocks = (K + KC_MAX - 1) / KC_MAX;
  return (K + blocks - 1) / blocks;
}

/**
 * The strips of a packed panel (8-column strips one after another, kc x 8 floats each, `strip` bytes
 * apart; `ldp` bytes between a strip's rows) over rows 0..M of A, MC rows at a time.
 * c, bias: column j0 of the panel.
 */
function panel(c: usize, ldc: usize, a: usize, lda_i: usize, lda_k: usize, p: usize, ldp: usize, strip: usize, M: i32, nc: i32, kc: i32, mode: i32, bias: usize): void {
  for (let i0 = 0; i0 < M; i0 += MC) {
    const mc = min(MC, M - i0);
    const ci = c + <usize>i0 * ldc, ai = a + <usize>i0 * lda_i;
    for (let j = 0; j < nc; j += 8) {
      const jb = <usize>j << 2;
      strip8(ci + jb, ldc, ai, lda_i, lda_k, p + <usize>(j >> 3) * strip, ldp, mc, kc, mode, bias + jb);
    }
  }
}

/**
 * out (M,N) (+)= A (M,K) · B (K,N) [+ bias (N)] with A, B, out given by strides (see the top).
 * acc != 0 adds to out; otherwise bias != 0 starts every row from bias, else from zero.
 * With scratch != 0 (PACK_FLOATS floats) each kc x nc panel of B is first packed into 8-column strips:
 * contiguous for the microkernel, and no L1 set conflicts (B's rows N·4 bytes apart: for N a multiple
 * of 512 a strip's lines all fall into a few L1 sets and evict each other).
 * The worker thread calls this on its share of rows or columns (pointers offset by the caller).
 */
export function gemmStrided(c: usize, ldc: usize, a: usize, lda_i: usize, lda_k: usize, b: usize, ldb: usize, M: i32, N: i32, K: i32, acc: i32, bias: usize, scratch: usize): void {
  if (K <= 0) {
    if (acc) return;
    for (let i = 0; i < M; i++) {
      const row = c + <usize>i * ldc;
      for (let j = 0; j < N; j++) store<f32>(row + (<usize>j << 2), bias ? load<f32>(bias + (<usize>j << 2)) : 0);
    }
    return;
  }
  const pack = scratch != 0 && M > 8;
  const kcMax = kBlock(K);
  const N8 = N & ~7;
  for (let k0 = 0; k0 < K; k0 += kcMax) {
    const kc = min(kcMax, K - k0);
    const mode = acc != 0 || k0 > 0 ? 1 : bias != 0 ? 2 : 0;
    const ak = a + <usize>k0 * lda_k;
    const bk = b + <usize>k0 * ldb;
    for (let j0 = 0; j0 < N8; j0 += NC) {
      const nc = min(NC, N8 - j0);
      const jb = <usize>j0 << 2;
      if (pack) {
        // strip s of the panel: rows k of B[k0 + k, j0 + 8s .. j0 + 8s + 8] at scratch + s·kc·32 + k·32
        const strip = <usize>kc << 5;
        for (let s = 0; s < nc; s += 8) {
          let src = bk + jb + (<usize>s << 2), dst = scratch + <usize>(s >> 3) * strip;
          for (let k = 0; k < kc; k++) {
            v128.store(dst, v128.load(src)); v128.store(dst, v128.load(src, 16), 16);
            src += ldb; dst += 32;
          }
        }
        panel(c + jb, ldc, ak, lda_i, lda_k, scratch, 32, strip, M, nc, kc, mode, bias + jb);
      } else panel(c + jb, ldc, ak, lda_i, lda_k, bk + jb, ldb, 32, M, nc, kc, mode, bias + jb);
    }
    let j = N8;
    for (; j + 4 <= N; j += 4) {
      const jb = <usize>j << 2;
      let i = 0;
      for (; i + 4 <= M; i += 4) micro4x4(c + <usize>i * ldc + jb, ldc, ak + <usize>i * lda_i, lda_i, lda_k, bk + jb, ldb, kc, mode, bias + jb);
      for (; i < M; i++) micro1x4(c + <usize>i * ldc + jb, ak + <usize>i * lda_i, lda_k, bk + jb, ldb, kc, mode, bias + jb);
    }
    for (; j < N; j++) {
      const jb = <usize>j << 2;
      for (let i = 0; i < M; i++) micro1x1(c + <usize>i * ldc + jb, ak + <usize>i * lda_i, lda_k, bk + jb, ldb, kc, mode, bias + jb);
    }
  }
}

/**
 * out (M,N) (+)= A (M,K) · Bᵀ with B stored (N,K) (rows ldbRow bytes apart) [+ bias].
 * For each K block and panel of NC columns, the panel's rows of B are transposed into 8-column strips
 * in `scratch` (PACK_FLOATS floats, one per thread; 4x4 floats at a time with shuffles), the layout
 * gemmStrided packs, and the same microkernels run on it. The last N % 8 columns are dot products of
 * two contiguous rows.
 */
export function gemmNTStrided(c: usize, ldc: usize, a: usize, lda: usize, b: usize, ldbRow: usize, M: i32, N: i32, K: i32, acc: i32, bias: usize, scratch: usize): void {
  if (K <= 0) { gemmStrided(c, ldc, a, lda, 4, b, 0, M, N, 0, acc, bias, 0); return; }
  const kcMax = kBlock(K);
  const N8 = N & ~7;
  for (let k0 = 0; k0 < K; k0 += kcMax) {
    const kc = min(kcMax, K - k0);
    const mode = acc != 0 || k0 > 0 ? 1 : bias != 0 ? 2 : 0;
    const ak = a + (<usize>k0 << 2);
    const bk = b + (<usize>k0 << 2);
    const strip = <usize>kc << 5;
    for (let j0 = 0; j0 < N8; j0 += NC) {
      const nc = min(NC, N8 - j0);
      // Rows j0 + 4g .. j0 + 4g + 4 of B become columns 4(g % 2) .. + 4 of strip g / 2.
      for (let g = 0; g < (nc >> 2); g++) {
        const r0p = bk + <usize>(j0 + 4 * g) * ldbRow, r1p = r0p + ldbRow, r2p = r1p + ldbRow, r3p = r2p + ldbRow;
        const pg = scratch + <usize>(g >> 1) * strip + (<usize>(g & 1) << 4);
        let k = 0;
        for (; k + 4 <= kc; k += 4) {
          const kb = <usize>k << 2;
          const r0 = v128.load(r0p + kb), r1 = v128.load(r1p + kb), r2 = v128.load(r2p + kb), r3 = v128.load(r3p + kb);
          const t0 = v128.shuffle<f32>(r0, r1, 0, 4, 1, 5), t1 = v128.shuffle<f32>(r0, r1, 2, 6, 3, 7);
          const t2 = v128.shuffle<f32>(r2, r3, 0, 4, 1, 5), t3 = v128.shuffle<f32>(r2, r3, 2, 6, 3, 7);
          const p = pg + (<usize>k << 5);
          v128.store(p, v128.shuffle<f32>(t0, t2, 0, 1, 4, 5));
          v128.store(p, v128.shuffle<f32>(t0, t2, 2, 3, 6, 7), 32);
          v128.store(p, v128.shuffle<f32>(t1, t3, 0, 1, 4, 5), 64);
          v128.store(p, v128.shuffle<f32>(t1, t3, 2, 3, 6, 7), 96);
        }
        for (; k < kc; k++) {
          const kb = <usize>k << 2;
          const p = pg + (<usize>k << 5);
          store<f32>(p, load<f32>(r0p + kb)); store<f32>(p, load<f32>(r1p + kb), 4);
          store<f32>(p, load<f32>(r2p + kb), 8); store<f32>(p, load<f32>(r3p + kb), 12);
        }
      }
      const jb = <usize>j0 << 2;
      panel(c + jb, ldc, ak, lda, 4, scratch, 32, strip, M, nc, kc, mode, bias + jb);
    }
    for (let j = N8; j < N; j++) {
      const jb = <usize>j << 2;
      const bj = bk + <usize>j * ldbRow;
      for (let i = 0; i < M; i++) {
        const ai = ak + <usize>i * lda;
        const cij = c + <usize>i * ldc + jb;
        let v = f32x4.splat(0);
        let k = 0;
        for (; k + 4 <= kc; k += 4) v = madd(v128.load(ai + (<usize>k << 2)), v128.load(bj + (<usize>k << 2)), v);
        let s: f32 = f32x4.extract_lane(v, 0) + f32x4.extract_lane(v, 1) + (f32x4.extract_lane(v, 2) + f32x4.extract_lane(v, 3));
        for (; k < kc; k++) s += load<f32>(ai + (<usize>k << 2)) * load<f32>(bj + (<usize>k << 2));
        store<f32>(cij, s + (mode == 1 ? load<f32>(cij) : mode == 2 ? load<f32>(bias + jb) : 0));
      }
    }
  }
}


// ---------------------------------------------------------------------------------------------
// Bias kernels.

/** out (M,N) = x (M,N) + bias (N) broadcast over rows; out may alias x (same index read, then written). */
export function addBias(out: usize, x: usize, bias: usize, M: i32, N: i32): void {
  for (let i = 0; i < M; i++) {
    const off = <usize>i * (<usize>N << 2);
    const o = out + off, xr = x + off;
    let j = 0;
    for (; j + 4 <= N; j += 4) {
      const jb = <usize>j << 2;
      v128.store(o + jb, f32x4.add(v128.load(xr + jb), v128.load(bias + jb)));
    }
    for (; j < N; j++) {
      const jb = <usize>j << 2;
      store<f32>(o + jb, load<f32>(xr + jb) + load<f32>(bias + jb));
    }
  }
}

/** out (N) (+)= Σ over the M rows of x (M,N). */
export function colSum(out: usize, x: usize, M: i32, N: i32, acc: i32): void {
  const ldx = <usize>N << 2;
  let j = 0;
  for (; j + 16 <= N; j += 16) {
    const jb = <usize>j << 2;
    let s0 = start(acc, out, 0, jb), s1 = start(acc, out, 0, jb + 16), s2 = start(acc, out, 0, jb + 32), s3 = start(acc, out, 0, jb + 48);
    let p = x + jb;
    for (let i = 0; i < M; i++) {
      s0 = f32x4.add(s0, v128.load(p)); s1 = f32x4.add(s1, v128.load(p, 16));
      s2 = f32x4.add(s2, v128.load(p, 32)); s3 = f32x4.add(s3, v128.load(p, 48));
      p += ldx;
    }
    v128.store(out + jb, s0); v128.store(out + jb, s1, 16); v128.store(out + jb, s2, 32); v128.store(out + jb, s3, 48);
  }
  for (; j + 4 <= N; j += 4) {
    const jb = <usize>j << 2;
    let s = start(acc, out, 0, jb);
    let p = x + jb;
    for (let i = 0; i < M; i++) { s = f32x4.add(s, v128.load(p)); p += ldx; }
    v128.store(out + jb, s);
  }
  for (; j < N; j++) {
    const jb = <usize>j << 2;
    let s: f32 = acc ? load<f32>(out + jb) : 0;
    let p = x + jb;
    for (let i = 0; i < M; i++) { s += load<f32>(p); p += ldx; }
    store<f32>(out + jb, s);
  }
}

// ---------------------------------------------------------------------------------------------
// Zero-skipping GEMM: A is turned into compressed rows (CSR), then every output row is the sum over
// A's nonzeros of value · (row of B). MNIST pixels are ~80% zero, so this does ~5x less arithmetic
// than the dense kernel on the first layer (forward x·W1 and weight gradient xᵀ·dz1).
//
// The compressed form of a logical A (M,K), at byte address csr: M+1 i32 row starts (row i's
// nonzeros are pairs csr[i] .. csr[i+1]), then from csr + (M+1)·4 rounded up to 8 the pairs, 8 bytes
// each: (k, the column index, u32; value, f32), in increasing k within a row. Needs (M+3)·4 + 8·(nnz+1)
// bytes (a build may write one pair past the last). The products take B's row stride ldb and a range
// of rows i0..i1, so two threads can each take a share of the rows of one compressed A.

/** Number of nonzero floats among n contiguous ones at a (decides dense vs zero-skipping). */
export function countNonzero(a: usize, n: i32): i32 {
  let count = 0;
  let i = 0;
  const zero = f32x4.splat(0);
  for (; i + 4 <= n; i += 4) count += popcnt(i32x4.bitmask(f32x4.ne(v128.load(a + (<usize>i << 2)), zero)));
  for (; i < n; i++) if (load<f32>(a + (<usize>i << 2)) != 0) count++;
  return count;
}

@inline function csrPairs(csr: usize, M: i32): usize {
  return (csr + ((<usize>M + 1) << 2) + 7) & ~(<usize>7);
}

/**
 * Compresses the logical A (M,K) given by strides (as for gemmStrided) into `csr`, every row.
 * Returns the number of nonzeros.
 */
export function csrBuild(csr: usize, a: usize, lda_i: usize, lda_k: usize, M: i32, K: i32): i32 {
  if (lda_k == 4) return csrBuildRows(csr, M, 0, M, a, lda_i, K, 0, i32.MAX_VALUE);
  if (lda_i == 4 && lda_k == (<usize>M << 2)) return csrBuildCols(csr, a, M, K);
  const pairs = csrPairs(csr, M);
  let nnz = 0;
  for (let i = 0; i < M; i++) {
    store<i32>(csr + (<usize>i << 2), nnz);
    let p = a + <usize>i * lda_i;
    for (let k = 0; k < K; k++) {
      const v = load<f32>(p);
      if (v != 0) {
        const q = pairs + (<usize>nnz << 3);
        store<u32>(q, <u32>k);
        store<f32>(q, v, 4);
        nnz++;
      }
      p += lda_k;
    }
  }
  store<i32>(csr + (<usize>M << 2), nnz);
  return nnz;
}

/**
 * Rows i0..i1 of A·B's A (M,K), rows contiguous (a: row 0, lda_i bytes apart), into the compressed
 * form of all M rows at csr, their pairs from index `base` on; `end` is where they must stop (base +
 * their nonzero count), or i32.MAX_VALUE when nothing follows them. Writes row starts i0..i1 + 1
 * (the last is the range's end), so two threads can build the two halves of one A. Returns the range's count.
 * Four floats at a time: a group of four zeros is skipped with one test (MNIST's zero runs), other
 * groups are written without branches (each float is stored at the next free pair and the count
 * advances only for a nonzero, since a branch per pixel mispredicts at ~19% density) while they cannot
 * reach `end`, so a half never writes over the first pair of the other half.
 */
export function csrBuildRows(csr: usize, M: i32, i0: i32, i1: i32, a: usize, lda_i: usize, K: i32, base: i32, end: i32): i32 {
  const pairs = csrPairs(csr, M);
  const zero = f32x4.splat(0);
  let nnz = base;
  for (let i = i0; i < i1; i++) {
    store<i32>(csr + (<usize>i << 2), nnz);
    const row = a + <usize>i * lda_i;
    let k = 0;
    for (; k + 4 <= K; k += 4) {
      const v = v128.load(row + (<usize>k << 2));
      if (!v128.any_true(f32x4.ne(v, zero))) continue;
      if (nnz <= end - 4) {
        for (let l = 0; l < 4; l++) {
          const x = load<f32>(row + (<usize>(k + l) << 2));
          const q = pairs + (<usize>nnz << 3);
          store<u32>(q, <u32>(k + l));
          store<f32>(q, x, 4);
          nnz += i32(x != 0);
        }
      } else {
        for (let l = 0; l < 4; l++) {
          const x = load<f32>(row + (<usize>(k + l) << 2));
          if (x != 0) {
            const q = pairs + (<usize>nnz << 3);
            store<u32>(q, <u32>(k + l));
            store<f32>(q, x, 4);
            nnz++;
          }
        }
      }
    }
    for (; k < K; k++) {
      const x = load<f32>(row + (<usize>k << 2));
      if (x != 0) {
        const q = pairs + (<usize>nnz << 3);
        store<u32>(q, <u32>k);
        store<f32>(q, x, 4);
        nnz++;
      }
    }
  }
  // The end of row i1 - 1: for a first half, the start of the second half, which its own builder also
  // writes (the same value); stored here too so this half never reads it before that thread does.
  store<i32>(csr + (<usize>i1 << 2), nnz);
  return nnz - base;
}

/**
 * csrBuild for Aᵀ·B with A stored (K,M): the rows of the logical A are A's columns. Reading them
 * directly strides M·4 bytes per element; instead A is read row by row twice, contiguously: once to
 * count each column's nonzeros (SIMD, no branches), once to place them (a counting sort). Within a
 * row of the result the entries keep increasing k, as in the other builds.
 */
function csrBuildCols(csr: usize, a: usize, M: i32, K: i32): i32 {
  const pairs = csrPairs(csr, M);
  const zero = f32x4.splat(0);
  // starts[i] = csr + 4·(i+1): counts first, then start positions, then (after placing) ends.
  const starts = csr + 4;
  memory.fill(csr, 0, (<usize>M + 1) << 2);
  const ldr = <usize>M << 2;
  for (let k = 0; k < K; k++) {
    const row = a + <usize>k * ldr;
    let i = 0;
    for (; i + 4 <= M; i += 4) {
      const o = <usize>i << 2;
      // ne gives -1 (all ones) per nonzero lane: subtracting it adds 1
      v128.store(starts + o, i32x4.sub(v128.load(starts + o), f32x4.ne(v128.load(row + o), zero)));
    }
    for (; i < M; i++) {
      const o = <usize>i << 2;
      store<i32>(starts + o, load<i32>(starts + o) + i32(load<f32>(row + o) != 0));
    }
  }
  const nnz = prefixSum(starts, M);
  for (let k = 0; k < K; k++) {
    const row = a + <usize>k * ldr;
    let i = 0;
    for (; i + 4 <= M; i += 4) {
      const o = <usize>i << 2;
      if (!v128.any_true(f32x4.ne(v128.load(row + o), zero))) continue;
      for (let l: usize = 0; l < 4; l++) {
        const x = load<f32>(row + o + (l << 2));
        if (x != 0) place(pairs, starts + o + (l << 2), k, x);
      }
    }
    for (; i < M; i++) {
      const o = <usize>i << 2;
      const x = load<f32>(row + o);
      if (x != 0) place(pairs, starts + o, k, x);
    }
  }
  // Each starts[i] now holds the end of row i = the start of row i + 1; csr[0] = 0 already.
  return nnz;
}

/** counts (n i32) → exclusive prefix sums in place; returns the total. */
@inline function prefixSum(counts: usize, n: i32): i32 {
  let run = 0;
  for (let i = 0; i < n; i++) {
    const o = <usize>i << 2;
    const c = load<i32>(counts + o);
    store<i32>(counts + o, run);
    run += c;
  }
  return run;
}

/** Appends (k, x) at the pair `*next` points to, and advances it (a counting sort's placing step). */
@inline function place(pairs: usize, next: usize, k: i32, x: f32): void {
  const pos = load<i32>(next);
  const q = pairs + (<usize>pos << 3);
  store<u32>(q, <u32>k);
  store<f32>(q, x, 4);
  store<i32>(next, pos + 1);
}

/**
 * dst = the compressed form of Aᵀ (K,M) from src, that of A (M,K): the same nonzeros by column, a
 * counting sort over their column indices (one pass counts, a prefix sum, one pass places them).
 * Taking src's rows in order keeps each row of the result in increasing index, so the result is
 * exactly what csrBuild makes from Aᵀ (the products then sum in the same order). Returns nnz.
 */
export function csrTranspose(dst: usize, src: usize, M: i32, K: i32): i32 {
  const sp = csrPairs(src, M), dp = csrPairs(dst, K);
  const nnz = load<i32>(src + (<usize>M << 2));
  const starts = dst + 4;
  memory.fill(dst, 0, (<usize>K + 1) << 2);
  const sEnd = sp + (<usize>nnz << 3);
  for (let q = sp; q < sEnd; q += 8) {
    const s = starts + (<usize>load<u32>(q) << 2);
    store<i32>(s, load<i32>(s) + 1);
  }
  prefixSum(starts, K);
  let q = sp;
  for (let i = 0; i < M; i++) {
    const qEnd = sp + (<usize>load<i32>(src + (<usize>i << 2), 4) << 3);
    for (; q < qEnd; q += 8) place(dp, starts + (<usize>load<u32>(q) << 2), i, load<f32>(q, 4));
  }
  return nnz;
}

/**
 * Rows i0..i1 of out (M,N) (+)= CSR(A) · B [+ bias], B's rows ldb bytes apart. The whole row of out
 * (in L1) gets, for every nonzero of its row of A in turn, value · the whole row of B, read front to
 * back (B is bigger than L1 in layer 1's products: W1 is 400 KB, dz 64 KB). Four nonzeros per pass over
 * the row, so out's row is loaded and stored once per four instead of once per nonzero (those loads and
 * stores bounded the one-at-a-time loop: 1.4x slower on x·W1 and, against the former 32-columns-in-
 * registers kernel, 1.4x on xᵀ·dz1); each element still adds the products one after another, in
 * increasing k, so the result is the same to the bit. A row without nonzeros under accumulate is
 * skipped (border pixels in dW1). The worker thread calls this on its share of the rows.
 */
export function csrGemmRows(c: usize, ldc: usize, csr: usize, M: i32, i0: i32, i1: i32, b: usize, ldb: usize, N: i32, acc: i32, bias: usize): void {
  const pairs = csrPairs(csr, M);
  const n4 = N & ~3;
  const nb = <usize>n4 << 2;
  for (let i = i0; i < i1; i++) {
    const p0 = load<i32>(csr + (<usize>i << 2)), p1 = load<i32>(csr + (<usize>i << 2), 4);
    if (acc != 0 && p0 == p1) continue;
    const row = c + <usize>i * ldc;
    if (acc == 0) {
      if (bias != 0) memory.copy(row, bias, <usize>N << 2);
      else memory.fill(row, 0, <usize>N << 2);
    }
    const pEnd = pairs + (<usize>p1 << 3);
    let q = pairs + (<usize>p0 << 3);
    for (; q + 32 <= pEnd; q += 32) {
      const x0 = v128.load32_splat(q, 4), x1 = v128.load32_splat(q, 12), x2 = v128.load32_splat(q, 20), x3 = v128.load32_splat(q, 28);
      const b0 = b + <usize>load<u32>(q) * ldb, b1 = b + <usize>load<u32>(q, 8) * ldb;
      const b2 = b + <usize>load<u32>(q, 16) * ldb, b3 = b + <usize>load<u32>(q, 24) * ldb;
      for (let j: usize = 0; j < nb; j += 16) {
        const o = row + j;
        v128.store(o, madd(x3, v128.load(b3 + j), madd(x2, v128.load(b2 + j), madd(x1, v128.load(b1 + j), madd(x0, v128.load(b0 + j), v128.load(o))))));
      }
      for (let jj = n4; jj < N; jj++) {
        const o = row + (<usize>jj << 2), jb = <usize>jj << 2;
        let s = load<f32>(o);
        s = s + load<f32>(q, 4) * load<f32>(b0 + jb);
        s = s + load<f32>(q, 12) * load<f32>(b1 + jb);
        s = s + load<f32>(q, 20) * load<f32>(b2 + jb);
        s = s + load<f32>(q, 28) * load<f32>(b3 + jb);
        store<f32>(o, s);
      }
    }
    for (; q < pEnd; q += 8) {
      const x = v128.load32_splat(q, 4);
      const br = b + <usize>load<u32>(q) * ldb;
      let j: usize = 0;
      for (; j + 64 <= nb; j += 64) {
        const o = row + j, s = br + j;
        v128.store(o, madd(x, v128.load(s), v128.load(o)));
        v128.store(o, madd(x, v128.load(s, 16), v128.load(o, 16)), 16);
        v128.store(o, madd(x, v128.load(s, 32), v128.load(o, 32)), 32);
        v128.store(o, madd(x, v128.load(s, 48), v128.load(o, 48)), 48);
      }
      for (; j < nb; j += 16) v128.store(row + j, madd(x, v128.load(br + j), v128.load(row + j)));
      const xs = load<f32>(q, 4);
      for (let jj = n4; jj < N; jj++) {
        const o = row + (<usize>jj << 2);
        store<f32>(o, load<f32>(o) + xs * load<f32>(br + (<usize>jj << 2)));
      }
    }
  }
}

/**
 * A·B's zero-skipped product on rows i0..i1 in one call (a thread's share): csrBuildRows of those rows
 * of A (a: row 0, K columns, lda_i bytes apart; pairs from base to end), then csrGemmRows on them.
 */
export function csrProductRows(c: usize, ldc: usize, csr: usize, M: i32, i0: i32, i1: i32, a: usize, lda_i: usize, K: i32, base: i32, end: i32, b: usize, ldb: usize, N: i32, acc: i32, bias: usize): void {
  csrBuildRows(csr, M, i0, i1, a, lda_i, K, base, end);
  csrGemmRows(c, ldc, csr, M, i0, i1, b, ldb, N, acc, bias);
}

/**
 * The row at which rows i0..i1 of a compressed A split their nonzeros in half (the first i with
 * csr[i] ≥ the midpoint), so two threads each take about half of the work.
 */
export function csrMiddle(csr: usize, i0: i32, i1: i32): i32 {
  const mid = (load<i32>(csr + (<usize>i0 << 2)) + load<i32>(csr + (<usize>i1 << 2))) >>> 1;
  let lo = i0, hi = i1;
  while (lo < hi) {
    const m = (lo + hi) >>> 1;
    if (load<i32>(csr + (<usize>m << 2)) < mid) lo = m + 1;
    else hi = m;
  }
  return lo;
}
