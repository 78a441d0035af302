// Gradient checking: compare an analytic gradient with central finite differences,
//   numeric_i = (f(x + ε e_i) − f(x − ε e_i)) / 2ε,
// and report the largest relative error |a − n| / max(|a|, |n|, floor). The floor keeps
// near-zero gradients (where float32 rounding dominates) from producing huge ratios.
//
// Why float32 needs care: the forward pass rounds each value to ~6e-8 relative, so with ε = 1e-3
// a difference quotient carries ~1e-4 absolute noise. A correct backward therefore shows relative
// errors around 1e-4..1e-3, a wrong one ~1e-1 or more; tolerances of 1e-2 separate the two.

import { getBackend } from './backend';
import { bindParams, bindState, type Layer } from './layers/layer';
import type { Loss } from './losses';
import { Rng } from './rng';
import type { Sequential } from './model/sequential';
import { shapeSize, Tensor } from './tensor';

export interface GradCheckOptions {
  /** Step ε (default 1e-3). */
  eps?: number;
  /** Denominator floor of the relative error (default 1e-3). */
  floor?: number;
  /** Check at most this many coordinates, spread evenly (default: all). */
  maxChecks?: number;
}

export interface GradCheckResult {
  maxRelError: number;
  maxAbsError: number;
  /** The coordinate with the largest relative error. */
  worst: { index: number; analytic: number; numeric: number };
  checked: number;
}

/**
 * Checks analytic (n) = ∂f/∂x (n) by central differences, perturbing x in place (and restoring it).
 * f must recompute everything from x; it is called twice per checked coordinate.
 */
export function gradientCheck(f: () => number, x: Float32Array, analytic: Readonly<Float32Array>, opts: GradCheckOptions = {}): GradCheckResult {
  const eps = opts.eps ?? 1e-3;
  const floor = opts.floor ?? 1e-3;
  if (analytic.length !== x.length) throw new Error(`gradientCheck: analytic gradient has ${analytic.length} values, x has ${x.length}`);
  const stride = opts.maxChecks && opts.maxChecks < x.length ? x.length / opts.maxChecks : 1;
  const result: GradCheckResult = { maxRelError: 0, maxAbsError: 0, worst: { index: -1, analytic: 0, numeric: 0 }, checked: 0 };
  for (let pos = 0; pos < x.length; pos += stride) {
    const i = Math.floor(pos);
    const saved = x[i];
    x[i] = saved + eps;
    const up = f();
    x[i] = saved - eps;
    const down = f();
    x[i] = saved;
    // Divide by the step actually taken: saved ± eps rounds to float32.
    const step = Math.fround(saved + eps) - Math.fround(saved - eps);
    const numeric = (up - down) / step;
    const a = analytic[i];
    const abs = Math.abs(a - numeric);
    const rel = abs / Math.max(Math.abs(a), Math.abs(numeric), floor);
    result.checked++;
    if (abs > result.maxAbsError) result.maxAbsError = abs;
    if (rel > result.maxRelError || result.worst.index < 0) {
      result.maxRelError = Math.max(rel, result.maxRelError);
      result.worst = { index: i, analytic: a, numeric };
    }
  }
  return result;
}

export interface LayerCheckOptions extends GradCheckOptions {
  batch?: number;
  seed?: number;
  /** Inputs drawn uniform in [lo, hi] (default [-1, 1]); keep away from kinks for ReLU. */
  inputRange?: [number, number];
  /** Draw inputs with |x| ≥ this (default 0): keeps ReLU away from its kink at 0. */
  minAbsInput?: number;
  /** Run forward in training mode (batch statistics in BatchNorm, masks in Dropout). Default false. */
  training?: boolean;
  /**
   * Called before every forward pass: a layer with randomness (Dropout) reseeds here, so the one
   * function being differentiated keeps the same mask.
   */
  beforeForward?: () => void;
}

/** Builds a layer on its own (its own parameter and state buffers, parameters drawn from rng) unless it is built. */
function buildAlone(layer: Layer, inputShape: readonly number[], rng: Rng): void {
  if (layer.isBuilt) return;
  layer.build(inputShape);
  bindParams([layer], getBackend(), rng);
  bindState([layer], getBackend());
}

/**
 * Checks a layer's backward for its input and every parameter. The scalar checked is
 * f = Σ r ⊙ y, with r a fixed random tensor (so dy = r), accumulated in float64.
 * Builds the layer (with its own parameter buffers) if it is not built yet.
 */
export function checkLayerGradients(layer: Layer, inputShape: readonly number[], opts: LayerCheckOptions = {}): { input: GradCheckResult; params: Record<string, GradCheckResult> } {
  const rng = new Rng(opts.seed ?? 1);
  const B = opts.batch ?? 3;
  buildAlone(layer, inputShape, rng);
  const [lo, hi] = opts.inputRange ?? [-1, 1];
  const minAbs = opts.minAbsInput ?? 0;
  const x = new Tensor(new Float32Array(B * shapeSize(inputShape)), [B, ...inputShape]);
  for (let i = 0; i < x.size; i++) {
    let v = lo + (hi - lo) * rng.uniform();
    while (Math.abs(v) < minAbs) v = lo + (hi - lo) * rng.uniform();
    x.data[i] = v;
  }
  const outSize = B * shapeSize(layer.outputShape);
  const r = new Float32Array(outSize);
  for (let i = 0; i < outSize; i++) r[i] = rng.normal();
  const ctx = { training: opts.training ?? false };
  const before = opts.beforeForward ?? (() => undefined);
  const f = (): number => {
    before();
    const y = layer.forward(x, ctx);
    let s = 0;
    for (let i = 0; i < outSize; i++) s += r[i] * y.data[i];
    return s;
  };
  // Analytic: one forward, one backward with dy = r.
  layer.zeroGrad();
  before();
  layer.forward(x, ctx);
  const dx = Float32Array.from(layer.backward(new Tensor(r, [B, ...layer.outputShape])).data);
  const grads = Object.fromEntries(layer.params.map((p) => [p.name, Float32Array.from(p.grad)]));
  const params: Record<string, GradCheckResult> = {};
  for (const p of layer.params) params[p.name] = gradientCheck(f, p.value, grads[p.name], opts);
  return { input: gradientCheck(f, x.data, dx, opts), params };
}

/** What checkGradientAccumulation found. */
export interface AccumulationResult {
  /** Largest |g₂ − 2·g₁| / max(|2·g₁|, floor) over every parameter entry (0 when exact). */
  maxRelError: number;
  /** Largest relative difference between the dx of the two backward calls (they must agree). */
  maxInputRelError: number;
  /** Parameter entries compared. */
  checked: number;
  /** Largest |g₁|: a check against all-zero gradients would prove nothing. */
  maxAbsGrad: number;
}

/**
 * Checks the contract that backward ADDS into parameter gradients: forward, backward, and again with the
 * same x and dy without clearing in between, so every gradient must end at twice its first value (and
 * dx must not depend on the gradients already there). Builds the layer if needed, like
 * checkLayerGradients. floor (default 1e-6) keeps entries near zero from producing huge ratios.
 */
export function checkGradientAccumulation(layer: Layer, inputShape: readonly number[], opts: { batch?: number; seed?: number; training?: boolean; beforeForward?: () => void; floor?: number } = {}): AccumulationResult {
  const rng = new Rng(opts.seed ?? 1);
  const B = opts.batch ?? 3;
  buildAlone(layer, inputShape, rng);
  const floor = opts.floor ?? 1e-6;
  const x = new Tensor(Float32Array.from({ length: B * shapeSize(inputShape) }, () => 2 * rng.uniform() - 1), [B, ...inputShape]);
  const dy = new Tensor(Float32Array.from({ length: B * shapeSize(layer.outputShape) }, () => rng.normal()), [B, ...layer.outputShape]);
  const ctx = { training: opts.training ?? false };
  const pass = (): Float32Array => {
    opts.beforeForward?.();
    layer.forward(x, ctx);
    return Float32Array.from(layer.backward(dy).data);
  };
  layer.zeroGrad();
  const dx1 = pass();
  const first = layer.params.map((p) => Float32Array.from(p.grad));
  const dx2 = pass();
  const result: AccumulationResult = { maxRelError: 0, maxInputRelError: 0, checked: 0, maxAbsGrad: 0 };
  layer.params.forEach((p, k) => {
    for (let i = 0; i < p.size; i++) {
      const want = 2 * first[k][i];
      result.maxRelError = Math.max(result.maxRelError, Math.abs(p.grad[i] - want) / Math.max(Math.abs(want), floor));
      result.maxAbsGrad = Math.max(result.maxAbsGrad, Math.abs(first[k][i]));
      result.checked++;
    }
  });
  for (let i = 0; i < dx1.length; i++) result.maxInputRelError = Math.max(result.maxInputRelError, Math.abs(dx2[i] - dx1[i]) / Math.max(Math.abs(dx1[i]), floor));
  return result;
}

/**
 * Checks a loss: f = loss(pred, target), analytic = its dpred. pred and target are (B, C).
 */
export function checkLossGradient(loss: Loss, pred: Float32Array, target: Readonly<Float32Array>, B: number, C: number, opts: GradCheckOptions = {}): GradCheckResult {
  const d = new Float32Array(B * C);
  loss.compute(d, pred, target, B, C);
  return gradientCheck(() => loss.compute(null, pred, target, B, C), pred, d, opts);
}

/**
 * Checks a whole compiled model: every parameter of the flat buffer (or maxChecks of them) against
 * the finite differences of the model's loss on (x, y). The loss transform, if any, is not applied.
 */
export function checkModelGradients(model: Sequential, x: Tensor, y: Tensor, opts: GradCheckOptions = {}): GradCheckResult {
  if (!model.loss) throw new Error('checkModelGradients: compile the model first');
  const loss = model.loss;
  const B = x.rows;
  const C = y.cols;
  const dOut = new Float32Array(B * C);
  model.grads.fill(0);
  const out = model.forward(x, { training: false });
  loss.compute(dOut, out.data, y.data, B, C);
  // The full chain (no fused softmax shortcut), so the Softmax layer's own backward is tested too.
  model.backward(new Tensor(dOut, [B, C]));
  const analytic = Float32Array.from(model.grads);
  const f = () => loss.compute(null, model.forward(x, { training: false }).data, y.data, B, C);
  return gradientCheck(f, model.params, analytic, opts);
}
