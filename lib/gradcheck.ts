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

/**
 * Checks a layer's backward for its input and every parameter. The scalar checked is
 * f = Σ r ⊙ y, with r a fixed random tensor (so dy = r), accumulated in float64.
 * Builds the layer (with its own parameter buffers) if it is not built yet.
 */
export function checkLayerGradients(layer: Layer, inputShape: readonly number[], opts: LayerCheckOptions = {}): { input: GradCheckResult; params: Record<string, GradCheckResult> } {
  const rng = new Rng(opts.seed ?? 1);
  const B = opts.batch ?? 3;
  if (!layer.isBuilt) {
    layer.build(inputShape);
    bindParams([layer], getBackend(), rng);
    bindState([layer], getBackend());
  }
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
