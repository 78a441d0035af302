// Drawing for the demo page on plain 2-D canvases: line charts, class-probability bars, 28×28 images.

export interface Series {
  /** y values; x is the index times xStep unless xs is given. */
  ys: number[];
  xs?: number[];
  color: string;
  label: string;
  dots?: boolean;
}

/** A small line chart with a y range, axis ticks and a legend. */
export function lineChart(canvas: HTMLCanvasElement, series: Series[], opts: { yMin?: number; yMax?: number; xLabel: string; xMax?: number }): void {
  const ctx = canvas.getContext('2d')!;
  const W = canvas.width, H = canvas.height;
  const L = 40, R = 8, T = 8, B = 28;
  ctx.clearRect(0, 0, W, H);
  ctx.fillStyle = '#fff';
  ctx.fillRect(0, 0, W, H);
  const all = series.flatMap((s) => s.ys).filter(Number.isFinite);
  let yMin = opts.yMin ?? Math.min(...all, Infinity);
  let yMax = opts.yMax ?? Math.max(...all, -Infinity);
  if (!Number.isFinite(yMin) || !Number.isFinite(yMax)) { yMin = 0; yMax = 1; }
  if (yMax - yMin < 1e-9) yMax = yMin + 1;
  const xMax = Math.max(opts.xMax ?? 1, ...series.map((s) => (s.xs ? s.xs[s.xs.length - 1] ?? 0 : s.ys.length - 1)));
  const px = (x: number): number => L + (x / Math.max(xMax, 1e-9)) * (W - L - R);
  const py = (y: number): number => T + (1 - (y - yMin) / (yMax - yMin)) * (H - T - B);
  ctx.strokeStyle = '#bbb';
  ctx.fillStyle = '#555';
  ctx.font = '11px system-ui, sans-serif';
  ctx.lineWidth = 1;
  for (let i = 0; i <= 4; i++) {
    const y = yMin + ((yMax - yMin) * i) / 4;
    ctx.beginPath();
    ctx.moveTo(L, py(y));
    ctx.lineTo(W - R, py(y));
    ctx.globalAlpha = 0.35;
    ctx.stroke();
    ctx.globalAlpha = 1;
    ctx.fillText(y.toFixed(yMax - yMin < 0.5 ? 3 : 2), 2, py(y) + 4);
  }
  ctx.fillText(opts.xLabel, W / 2 - 20, H - 6);
  ctx.fillText('0', L, H - 16);
  ctx.fillText(xMax.toFixed(xMax < 10 ? 1 : 0), W - R - 24, H - 16);
  series.forEach((s, k) => {
    ctx.strokeStyle = ctx.fillStyle = s.color;
    ctx.lineWidth = 1.5;
    ctx.beginPath();
    s.ys.forEach((y, i) => {
      const x = s.xs ? s.xs[i] : i;
      if (i === 0) ctx.moveTo(px(x), py(y));
      else ctx.lineTo(px(x), py(y));
    });
    ctx.stroke();
    if (s.dots) s.ys.forEach((y, i) => ctx.fillRect(px(s.xs ? s.xs[i] : i) - 2, py(y) - 2, 4, 4));
    ctx.fillText(s.label, W - R - 100, T + 14 + 15 * k);
  });
}

/** The ten class probabilities as labelled bars, the most likely highlighted. */
export function probabilityBars(el: HTMLElement, probs: ArrayLike<number>): void {
  if (el.children.length !== 30) {
    el.innerHTML = '';
    for (let c = 0; c < 10; c++) el.insertAdjacentHTML('beforeend', `<span class="label">${c}</span><div class="bar"><div></div></div><span class="value"></span>`);
  }
  let best = 0;
  for (let c = 1; c < 10; c++) if (probs[c] > probs[best]) best = c;
  for (let c = 0; c < 10; c++) {
    const bar = el.children[3 * c + 1] as HTMLElement;
    (bar.firstElementChild as HTMLElement).style.width = `${(100 * probs[c]).toFixed(1)}%`;
    el.children[3 * c + 2].textContent = `${(100 * probs[c]).toFixed(1)}%`;
    for (let k = 0; k < 3; k++) el.children[3 * c + k].classList.toggle('top', c === best);
  }
  el.dataset.top = String(best);
}

/** A 28×28 grey image (values in [0, 1], 1 = white) drawn to fill the canvas. */
export function grayImage(canvas: HTMLCanvasElement, pixels: ArrayLike<number>): void {
  const small = new ImageData(28, 28);
  for (let i = 0; i < 784; i++) {
    const v = Math.round(255 * Math.min(1, Math.max(0, pixels[i])));
    small.data.set([v, v, v, 255], 4 * i);
  }
  const tmp = document.createElement('canvas');
  tmp.width = tmp.height = 28;
  tmp.getContext('2d')!.putImageData(small, 0, 0);
  const ctx = canvas.getContext('2d')!;
  ctx.imageSmoothingEnabled = false;
  ctx.drawImage(tmp, 0, 0, canvas.width, canvas.height);
}

/**
 * The first layer's weights, one 28×28 tile per hidden unit (kernel (784, units), row-major): each
 * unit's column scaled by its largest |w|, red positive, blue negative, white zero.
 */
export function weightTiles(canvas: HTMLCanvasElement, kernel: Float32Array, units: number): number {
  const ctx = canvas.getContext('2d')!;
  const tile = 28, scale = 2, gap = 2; // gap in image pixels between tiles
  const cols = Math.floor(canvas.width / ((tile + gap) * scale));
  const rows = Math.floor(canvas.height / ((tile + gap) * scale));
  const shown = Math.min(units, cols * rows);
  const img = new ImageData(cols * (tile + gap), rows * (tile + gap));
  img.data.fill(255);
  for (let u = 0; u < shown; u++) {
    let m = 1e-12;
    for (let i = 0; i < 784; i++) m = Math.max(m, Math.abs(kernel[i * units + u]));
    const ox = (u % cols) * (tile + gap), oy = Math.floor(u / cols) * (tile + gap);
    for (let i = 0; i < 784; i++) {
      const w = kernel[i * units + u] / m;
      const p = 4 * ((oy + Math.floor(i / 28)) * img.width + ox + (i % 28));
      const a = Math.round(255 * (1 - Math.abs(w)));
      img.data[p] = w > 0 ? 255 : a;
      img.data[p + 1] = a;
      img.data[p + 2] = w < 0 ? 255 : a;
    }
  }
  const tmp = document.createElement('canvas');
  tmp.width = img.width;
  tmp.height = img.height;
  tmp.getContext('2d')!.putImageData(img, 0, 0);
  ctx.clearRect(0, 0, canvas.width, canvas.height);
  ctx.imageSmoothingEnabled = false;
  ctx.drawImage(tmp, 0, 0, img.width * scale, img.height * scale);
  return shown;
}
