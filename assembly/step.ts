// The parts of a training step outside the GEMMs — optimizer updates, gradient zeroing and norm,
// ReLU — as WebAssembly SIMD loops, on the wasm backend's
// shared memory (this module imports it; it has no data of its own). Each is the same rule as the
// reference backend's loop (lib/backend/reference-step.ts), written with f32x4 lanes, and
// test/backend/step.test.ts checks the two agree on the same cases.
//
// Pointers are byte addresses of Float32Arrays of n floats: p params, g grads, d decay multipliers,
// and the optimizer's slots. g_eff = g + wd·d·p, the coupled L2 decay of every rule.
//
// Every value a step stores (parameters and every slot) is flushed to zero when it is subnormal
// (non-zero, |x| < 2⁻¹²⁶). Weight decay pulls the weights of never-lit pixels, and the moments that
// follow them, geometrically toward zero, through the subnormal range; WebAssembly has no
// flush-to-zero mode, and an Intel core takes a slow microcode assist for every subnormal operand,
// here and in every GEMM that reads the weight. A compare and two ands per vector prevent that.

/** The smallest normal f32, 2⁻¹²⁶. */
const MIN_NORMAL: f32 = 1.1754943508222875e-38;

/** Lanes with |x| < 2⁻¹²⁶ become a zero of their sign (what a CPU's flush-to-zero mode gives); NaN stays. */
@inline function flush(x: v128): v128 {
  const tiny = f32x4.lt(f32x4.abs(x), f32x4.splat(MIN_NORMAL));
  return v128.andnot(x, v128.and(tiny, i32x4.splat(0x7fffffff)));
}

/** The scalar flush, for the n % 4 tail. */
@inline function flush1(x: f32): f32 {
  return Mathf.abs(x) < MIN_NORMAL ? copysign<f32>(0, x) : x;
}

@inline function decayed(g: v128, d: v128, w: v128, wd: v128): v128 {
  return f32x4.add(g, f32x4.mul(wd, f32x4.mul(d, w)));
}

/** Adam and Nadam: m ← β1 m + (1−β1) g;  v ← β2 v + (1−β2) g²;  w ← w − (kM·m + kG·g) / (√(v·invC2) + ε),
 *  with invC2 = 1/(1 − β2ᵗ) and the learning rate folded into kM, kG by the caller:
 *  adam kM = η/(1 − β1ᵗ), kG = 0;  nadam kM = η·β1/(1 − β1ᵗ), kG = η·(1−β1)/(1 − β1ᵗ). */
export function adam(p: usize, g: usize, d: usize, m: usize, v: usize, n: i32, b1: f32, b2: f32, eps: f32, wd: f32, invC2: f32, kM: f32, kG: f32): void {
  const vb1 = f32x4.splat(b1), vb1c = f32x4.splat(1 - b1), vb2 = f32x4.splat(b2), vb2c = f32x4.splat(1 - b2);
  const vInvC2 = f32x4.splat(invC2), vEps = f32x4.splat(eps), vWd = f32x4.splat(wd);
  const vM = f32x4.splat(kM), vG = f32x4.splat(kG);
  const n4 = n & ~3;
  for (let i = 0; i < n4; i += 4) {
    const o = (<usize>i) << 2;
    const w = v128.load(p + o);
    const gi = decayed(v128.load(g + o), v128.load(d + o), w, vWd);
    const mi = flush(f32x4.add(f32x4.mul(vb1, v128.load(m + o)), f32x4.mul(vb1c, gi)));
    const vi = flush(f32x4.add(f32x4.mul(vb2, v128.load(v + o)), f32x4.mul(vb2c, f32x4.mul(gi, gi))));
    v128.store(m + o, mi);
    v128.store(v + o, vi);
    const step = f32x4.add(f32x4.mul(vM, mi), f32x4.mul(vG, gi));
    v128.store(p + o, flush(f32x4.sub(w, f32x4.div(step, f32x4.add(f32x4.sqrt(f32x4.mul(vi, vInvC2)), vEps)))));
  }
  for (let i = n4; i < n; i++) {
    const o = (<usize>i) << 2;
    const w = load<f32>(p + o);
    const gi = load<f32>(g + o) + wd * load<f32>(d + o) * w;
    const mi = flush1(b1 * load<f32>(m + o) + (1 - b1) * gi);
    const vi = flush1(b2 * load<f32>(v + o) + (1 - b2) * gi * gi);
    store<f32>(m + o, mi);
    store<f32>(v + o, vi);
    store<f32>(p + o, flush1(w - (kM * mi + kG * gi) / (Mathf.sqrt(vi * invC2) + eps)));
  }
}

/** RMSprop: v ← β v + (1−β) g²;  w ← w − η g / (√v + ε). */
export function rmsprop(p: usize, g: usize, d: usize, v: usize, n: i32, lr: f32, beta: f32, eps: f32, wd: f32): void {
  const vb = f32x4.splat(beta), vbc = f32x4.splat(1 - beta), vLr = f32x4.splat(lr), vEps = f32x4.splat(eps), vWd = f32x4.splat(wd);
  const n4 = n & ~3;
  for (let i = 0; i < n4; i += 4) {
    const o = (<usize>i) << 2;
    const w = v128.load(p + o);
    const gi = decayed(v128.load(g + o), v128.load(d + o), w, vWd);
    const vi = flush(f32x4.add(f32x4.mul(vb, v128.load(v + o)), f32x4.mul(vbc, f32x4.mul(gi, gi))));
    v128.store(v + o, vi);
    v128.store(p + o, flush(f32x4.sub(w, f32x4.div(f32x4.mul(vLr, gi), f32x4.add(f32x4.sqrt(vi), vEps)))));
  }
  for (let i = n4; i < n; i++) {
    const o = (<usize>i) << 2;
    const w = load<f32>(p + o);
    const gi = load<f32>(g + o) + wd * load<f32>(d + o) * w;
    const vi = flush1(beta * load<f32>(v + o) + (1 - beta) * gi * gi);
    store<f32>(v + o, vi);
    store<f32>(p + o, flush1(w - (lr * gi) / (Mathf.sqrt(vi) + eps)));
  }
}

/**
 * Momentum (the course's form): u ← γ u + η g;  w ← w − u. With γ = 0 and no u, plain SGD (u = 0).
 * NAG's step from its look-ahead point passes back = γ: params hold w − γ·u_old, so w ← params + γ·u_old − u.
 */
export function momentum(p: usize, g: usize, d: usize, u: usize, n: i32, lr: f32, gamma: f32, wd: f32, back: f32): void {
  const vGamma = f32x4.splat(gamma), vLr = f32x4.splat(lr), vWd = f32x4.splat(wd), vBack = f32x4.splat(back);
  const n4 = n & ~3;
  for (let i = 0; i < n4; i += 4) {
    const o = (<usize>i) << 2;
    let w = v128.load(p + o);
    const gi = decayed(v128.load(g + o), v128.load(d + o), w, vWd);
    let ui = f32x4.mul(vLr, gi);
    if (u) {
      const uOld = v128.load(u + o);
      ui = flush(f32x4.add(f32x4.mul(vGamma, uOld), ui));
      v128.store(u + o, ui);
      if (back != 0) w = f32x4.add(w, f32x4.mul(vBack, uOld));
    }
    v128.store(p + o, flush(f32x4.sub(w, ui)));
  }
  for (let i = n4; i < n; i++) {
    const o = (<usize>i) << 2;
    let w = load<f32>(p + o);
    let ui = lr * (load<f32>(g + o) + wd * load<f32>(d + o) * w);
    if (u) {
      const uOld = load<f32>(u + o);
      ui = flush1(ui + gamma * uOld);
      store<f32>(u + o, ui);
      if (back != 0) w += back * uOld;
    }
    store<f32>(p + o, flush1(w - ui));
  }
}

/** y (n) += a·x: NAG's look-ahead, params ← params − γ·u. */
export function axpy(y: usize, x: usize, n: i32, a: f32): void {
  const vA = f32x4.splat(a);
  const n4 = n & ~3;
  for (let i = 0; i < n4; i += 4) {
    const o = (<usize>i) << 2;
    v128.store(y + o, flush(f32x4.add(v128.load(y + o), f32x4.mul(vA, v128.load(x + o)))));
  }
  for (let i = n4; i < n; i++) {
    const o = (<usize>i) << 2;
    store<f32>(y + o, flush1(load<f32>(y + o) + a * load<f32>(x + o)));
  }
}

/** x (n) = 0: clearing the gradients before each step. A JS fill() on a view of shared memory
 *  takes the slow relaxed-atomic path in V8 (~15x slower than on a plain array); memory.fill does not. */
export function zero(x: usize, n: i32): void {
  memory.fill(x, 0, (<usize>n) << 2);
}

/** Σ x² over n floats, accumulated in f64 lanes (the gradient norm fit logs every batch). */
export function sumSquares(x: usize, n: i32): f64 {
  let acc0 = f64x2.splat(0), acc1 = f64x2.splat(0);
  const n4 = n & ~3;
  for (let i = 0; i < n4; i += 4) {
    const v = v128.load(x + ((<usize>i) << 2));
    const lo = f64x2.promote_low_f32x4(v);
    const hi = f64x2.promote_low_f32x4(v128.shuffle<f32>(v, v, 2, 3, 0, 1));
    acc0 = f64x2.add(acc0, f64x2.mul(lo, lo));
    acc1 = f64x2.add(acc1, f64x2.mul(hi, hi));
  }
  const s = f64x2.add(acc0, acc1);
  let total = f64x2.extract_lane(s, 0) + f64x2.extract_lane(s, 1);
  for (let i = n4; i < n; i++) {
    const v = <f64>load<f32>(x + ((<usize>i) << 2));
    total += v * v;
  }
  return total;
}

/** y (n) = max(0, x), NaN kept (f32x4.max propagates it; the tail does the same); y may alias x. */
export function relu(y: usize, x: usize, n: i32): void {
  const zero = f32x4.splat(0);
  const n4 = n & ~3;
  for (let i = 0; i < n4; i += 4) {
    const o = (<usize>i) << 2;
    v128.store(y + o, f32x4.max(v128.load(x + o), zero));
  }
  for (let i = n4; i < n; i++) {
    const o = (<usize>i) << 2;
    const v = load<f32>(x + o);
    store<f32>(y + o, v > 0 || v != v ? v : 0);
  }
}

/** dx (n) = dy where y > 0, else 0 (y = relu(x)). */
export function reluBackward(dx: usize, dy: usize, y: usize, n: i32): void {
  const zero = f32x4.splat(0);
  const n4 = n & ~3;
  for (let i = 0; i < n4; i += 4) {
    const o = (<usize>i) << 2;
    v128.store(dx + o, v128.and(v128.load(dy + o), f32x4.gt(v128.load(y + o), zero)));
  }
  for (let i = n4; i < n; i++) {
    const o = (<usize>i) << 2;
    store<f32>(dx + o, load<f32>(y + o) > 0 ? load<f32>(dy + o) : 0);
  }
}
