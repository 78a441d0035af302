// A hand-drawn digit made to look like an MNIST digit, as LeCun et al. prepared theirs: the ink's
// bounding box scaled (aspect kept, anti-aliased by area averaging) to fit 20×20, then placed in a
// 28×28 frame so that its centre of mass sits at the centre. A model trained on MNIST sees what it
// was trained on only after this; a raw canvas downscaled to 28×28 fills the frame and reads badly.
//
// H, W: the drawing's height and width; ink is 1, background 0.

/** The box the ink is scaled into, and the frame it is centred in (MNIST's numbers). */
export const MNIST_BOX = 20;
export const MNIST_SIZE = 28;

// One line's resampling weights are recomputed per call: this runs once per drawn stroke, not per batch.
/**
 * 1-D area resampling: out[j] = mean of inp over the source interval [j·n/m, (j+1)·n/m), fractional
 * ends weighted by their coverage. out (m) at stride so, inp (n) at stride si.
 */
function resampleLine(out: Float32Array, o: number, so: number, m: number, inp: Readonly<Float32Array>, i: number, si: number, n: number): void {
  const step = n / m;
  for (let j = 0; j < m; j++) {
    const a = j * step;
    const b = a + step;
    let sum = 0;
    for (let k = Math.floor(a); k < b && k < n; k++) {
      const cover = Math.min(b, k + 1) - Math.max(a, k);
      sum += inp[i + k * si] * cover;
    }
    out[o + j * so] = sum / step;
  }
}

/**
 * MNIST preprocessing of a drawing. pixels (H, W) row-major, ink 1 and background 0 (values are
 * clamped to [0, 1]); out (784) is the 28×28 digit. The bounding box holds every pixel above `threshold`
 * (default 0: any ink, as MNIST did). A drawing with no ink above it gives an
 * all-zero out. Returns out.
 */
export function mnistPreprocess(out: Float32Array, pixels: Readonly<Float32Array>, H: number, W: number, threshold = 0): Float32Array {
  if (pixels.length < H * W) throw new Error(`mnistPreprocess: pixels holds ${pixels.length} values, expected H·W = ${H}·${W} = ${H * W}`);
  if (out.length < MNIST_SIZE * MNIST_SIZE) throw new Error(`mnistPreprocess: out holds ${out.length} values, expected ${MNIST_SIZE * MNIST_SIZE}`);
  out.fill(0, 0, MNIST_SIZE * MNIST_SIZE);
  // The ink's bounding box.
  let top = H, bottom = -1, left = W, right = -1;
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) {
      if (pixels[y * W + x] > threshold) {
        if (y < top) top = y;
        if (y > bottom) bottom = y;
        if (x < left) left = x;
        if (x > right) right = x;
      }
    }
  }
  if (bottom < 0) return out;
  const bh = bottom - top + 1;
  const bw = right - left + 1;
  // Longer side to 20 pixels, the other in proportion (at least 1).
  const scale = MNIST_BOX / Math.max(bh, bw);
  const rh = Math.max(1, Math.round(bh * scale));
  const rw = Math.max(1, Math.round(bw * scale));
  // Crop (clamped to [0, 1]), then resample rows to rw columns, then columns to rh rows.
  const crop = new Float32Array(bh * bw);
  for (let y = 0; y < bh; y++) {
    for (let x = 0; x < bw; x++) crop[y * bw + x] = Math.min(1, Math.max(0, pixels[(top + y) * W + left + x]));
  }
  const wide = new Float32Array(bh * rw);
  for (let y = 0; y < bh; y++) resampleLine(wide, y * rw, 1, rw, crop, y * bw, 1, bw);
  const box = new Float32Array(rh * rw);
  for (let x = 0; x < rw; x++) resampleLine(box, x, rw, rh, wide, x, rw, bh);
  // Centre of mass of the box in pixel indices, then the integer shift that puts it on pixel (14, 14),
  // MNIST's convention (checked: MNIST's own digits, blown up and put through this, come back unchanged).
  let mass = 0, my = 0, mx = 0;
  for (let y = 0; y < rh; y++) {
    for (let x = 0; x < rw; x++) {
      const v = box[y * rw + x];
      mass += v;
      my += v * y;
      mx += v * x;
    }
  }
  const dy = Math.round(MNIST_SIZE / 2 - my / mass);
  const dx = Math.round(MNIST_SIZE / 2 - mx / mass);
  for (let y = 0; y < rh; y++) {
    const ty = y + dy;
    if (ty < 0 || ty >= MNIST_SIZE) continue;
    for (let x = 0; x < rw; x++) {
      const tx = x + dx;
      if (tx >= 0 && tx < MNIST_SIZE) out[ty * MNIST_SIZE + tx] = box[y * rw + x];
    }
  }
  return out;
}
