// Renders every chart kind to a temp folder and checks the files a person would open: PNG header and size,
// SVG text (title, legend, captions), atomic writes, and errors that name the bad value.

import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  barChart,
  heatmap,
  imageGrid,
  lineChart,
  plotFontFiles,
  plotTextRenders,
  pngSize,
  renderVegaLite,
  saveFigure,
  svgToRgba,
} from '../../lib/node/plot';

let dir: string;
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'scratchnet-plot-'));
});
afterAll(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

const epochs = [1, 2, 3, 4, 5];

/** Checks both files exist, the PNG's header and size, and returns the SVG text. */
function checkFiles(written: string[], base: string, minW: number, minH: number): string {
  expect(written).toEqual([`${base}.png`, `${base}.svg`]);
  const png = fs.readFileSync(`${base}.png`);
  const { width, height } = pngSize(png); // also checks the signature and IHDR
  expect(width).toBeGreaterThanOrEqual(minW);
  expect(height).toBeGreaterThanOrEqual(minH);
  expect(width).toBeLessThan(5000);
  expect(height).toBeLessThan(5000);
  const svg = fs.readFileSync(`${base}.svg`, 'utf8');
  expect(svg.startsWith('<svg')).toBe(true);
  return svg;
}

function leftovers(): string[] {
  return fs.readdirSync(dir, { recursive: true }).map(String).filter((f) => f.includes('.tmp-'));
}

describe('charts render to PNG and SVG', () => {
  test('lineChart: two panels, train solid and validation dashed, one legend', async () => {
    const spec = lineChart({
      title: 'Training curves',
      xLabel: 'Epoch',
      yLabel: { loss: 'Cross-entropy', accuracy: 'Accuracy' },
      yDomain: { accuracy: [0, 1] },
      series: [
        { name: 'train', x: epochs, y: [1, 0.6, 0.4, 0.3, 0.25], color: 'black', panel: 'loss' },
        { name: 'validation', x: epochs, y: [1.1, 0.7, 0.5, 0.45, 0.44], color: 'black', dash: 'dashed', panel: 'loss' },
        { name: 'train', x: epochs, y: [0.6, 0.8, 0.85, 0.9, 0.92], panel: 'accuracy' },
        { name: 'validation', x: epochs, y: [0.55, 0.75, 0.8, 0.83, 0.84], panel: 'accuracy' },
      ],
    });
    const base = path.join(dir, 'sub', 'curves'); // folder does not exist yet
    const svg = checkFiles(await saveFigure(base, spec), base, 1200, 400);
    for (const text of ['Training curves', 'train', 'validation', 'Epoch', 'Cross-entropy', 'Accuracy', 'loss']) {
      expect(svg).toContain(`>${text}<`);
    }
    expect(svg).toContain('stroke-dasharray="7,4"'); // the validation line is dashed
  });

  test('lineChart: integer x labels only whole numbers, each once, however few the epochs', async () => {
    const xLabels = async (n: number): Promise<string[]> => {
      const x = Array.from({ length: n }, (_, i) => i + 1);
      const { svg } = await renderVegaLite(lineChart({ title: 'T', xLabel: 'Epoch', series: [{ name: 's', x, y: x.map((v) => 1 / v) }] }));
      const texts = [...svg.matchAll(/<text[^>]*>([^<]*)<\/text>/g)].map((m) => m[1]);
      return texts.slice(0, texts.indexOf('Epoch')); // the x axis is drawn first: its labels, then its title
    };
    expect(await xLabels(2)).toEqual(['1', '2']); // vega alone would label 1, 1.5→"2", 2
    expect(await xLabels(3)).toEqual(['1', '2', '3']);
    const many = await xLabels(25);
    expect(many.length).toBeGreaterThan(4);
    for (const l of many) expect(l).toMatch(/^\d+$/);
    expect(new Set(many).size).toBe(many.length);
  });

  test('lineChart: logY per panel puts only the named panels on a log scale', () => {
    const spec = lineChart({
      title: 'T',
      logY: { loss: true },
      series: [
        { name: 'a', x: epochs, y: [1, 0.5, 0.2, 0.1, 0.05], panel: 'loss' },
        { name: 'a', x: epochs, y: [-1, 0, 1, 2, 3], panel: 'margin' }, // non-positive: fine on a linear axis
      ],
    });
    const types = JSON.stringify(spec).match(/"type":"(log|linear)"/g);
    expect(types).toEqual(['"type":"log"', '"type":"linear"']);
    expect(() => lineChart({ title: 'T', logY: { loss: true }, series: [{ name: 'a', x: [1, 2], y: [1, 0], panel: 'loss' }] }))
      .toThrow(/y\[1\] = 0, expected a positive number on a log scale/);
  });

  test('lineChart: log scale with six series, default colours', async () => {
    const names = ['SGD', 'Momentum', 'Nesterov', 'RMSProp', 'Adam', 'Nadam'];
    const x = Array.from({ length: 50 }, (_, i) => i * 10);
    const spec = lineChart({
      title: 'Optimizers',
      logY: true,
      series: names.map((name, k) => ({ name, x, y: x.map((s) => 2 * Math.exp(-s / (100 + 50 * k)) + 0.01) })),
    });
    const base = path.join(dir, 'optim');
    const svg = checkFiles(await saveFigure(`${base}.png`, spec, { scale: 1 }), base, 500, 300);
    for (const n of names) expect(svg).toContain(`>${n}<`);
  });

  test('heatmap: counts in every cell, white on dark cells', async () => {
    const classes = ['zero', 'one', 'two'];
    const spec = heatmap({ title: 'Confusion matrix', values: [[50, 2, 0], [3, 45, 1], [0, 7, 41]], rowLabels: classes });
    const base = path.join(dir, 'confusion');
    const svg = checkFiles(await saveFigure(base, spec), base, 300, 300);
    for (const t of ['Confusion matrix', 'Predicted class', 'True class', 'zero', 'two', '>45<', '>7<']) expect(svg).toContain(t);
    expect(svg).toMatch(/fill="white"[^>]*>50</); // the darkest cell's count is white
    expect(svg).toMatch(/fill="black"[^>]*>7</);
  });

  test('barChart: grouped bars with value labels and a legend', async () => {
    const spec = barChart({
      title: 'Per-class scores',
      categories: ['cat', 'dog'],
      series: [
        { name: 'precision', values: [0.9, 0.8] },
        { name: 'recall', values: [0.7, 0.95] },
      ],
      format: '.2f',
      valueDomain: [0, 1],
    });
    const base = path.join(dir, 'bars');
    const svg = checkFiles(await saveFigure(base, spec), base, 400, 150);
    for (const t of ['Per-class scores', 'precision', 'recall', '>0.95<', '>cat<']) expect(svg).toContain(t);
  });

  test('imageGrid: crisp upscaled images as data URLs, two-line coloured captions', async () => {
    const img = new Float32Array(28 * 28);
    for (let i = 0; i < 28; i++) img[i * 28 + i] = 1; // a diagonal
    const spec = imageGrid({
      title: 'Mistakes',
      images: [img, img, img],
      height: 28,
      width: 28,
      rows: 1,
      cols: 3,
      captions: ['True: 3\nPred: 5', 'True: 1\nPred: 1', 'True: 7\nPred: 2'],
      captionColors: ['red', undefined, 'red'],
    });
    const base = path.join(dir, 'grid');
    const svg = checkFiles(await saveFigure(base, spec), base, 300, 150);
    for (const t of ['Mistakes', 'True: 3', 'Pred: 5']) expect(svg).toContain(t);
    expect(svg).toContain('data:image/png;base64,');
    expect(svg).toContain('image-rendering: pixelated');
    // The embedded PNG is already 3x (nearest neighbour), so no viewer has to enlarge a 28x28 image.
    const b64 = /data:image\/png;base64,([A-Za-z0-9+/=]+)/.exec(svg)![1];
    expect(pngSize(Buffer.from(b64, 'base64'))).toEqual({ width: 84, height: 84 });
    expect(svg).toMatch(/fill="red"[^>]*>(<tspan[^>]*>)?True: 3/);
  });

  test('renderVegaLite renders a spec written by hand', async () => {
    const { svg, png, width, height } = await renderVegaLite(
      {
        title: 'Hand made',
        data: { values: [{ a: 'x', b: 1 }, { a: 'y', b: 2 }] },
        mark: 'bar',
        encoding: { x: { field: 'a', type: 'nominal' }, y: { field: 'b', type: 'quantitative' } },
      },
      { scale: 1 },
    );
    expect(svg).toContain('>Hand made<');
    expect(pngSize(png)).toEqual({ width, height });
  });

  test('text is drawn when a font is found (DejaVu Sans here)', () => {
    if (plotFontFiles().length === 0) return; // a machine without fonts gets a warning instead
    expect(plotTextRenders()).toBe(true);
  });

  test('no temporary files are left behind', () => {
    expect(leftovers()).toEqual([]);
  });
});

describe('atomic writes', () => {
  test('a spec that fails while rendering leaves no file at all', async () => {
    const sub = path.join(dir, 'fail');
    const bad = { data: { url: 'http://127.0.0.1:9/none.csv' }, mark: 'point', encoding: {} };
    await expect(saveFigure(path.join(sub, 'broken'), bad)).rejects.toThrow(/load no external data/);
    await expect(saveFigure(path.join(sub, 'broken2'), { mark: 'no-such-mark' })).rejects.toThrow();
    expect(fs.existsSync(sub) ? fs.readdirSync(sub) : []).toEqual([]);
  });

  test('a write that fails removes its temporary file', async () => {
    const sub = path.join(dir, 'blocked');
    fs.mkdirSync(path.join(sub, 'fig.png'), { recursive: true }); // a folder where the PNG should go
    const spec = barChart({ title: 't', categories: ['a'], series: [{ name: 's', values: [1] }] });
    await expect(saveFigure(path.join(sub, 'fig'), spec, { scale: 1 })).rejects.toThrow();
    expect(fs.readdirSync(sub)).toEqual(['fig.png']);
  });

  test('saveFigure rejects unknown formats before rendering', async () => {
    await expect(saveFigure(path.join(dir, 'x'), {}, { formats: ['jpg' as 'png'] })).rejects.toThrow(/"jpg"/);
    await expect(saveFigure(path.join(dir, 'x'), {}, { formats: [] })).rejects.toThrow(/at least one/);
  });
});

describe('bad input names the value and what was expected', () => {
  test('lineChart', () => {
    expect(() => lineChart({ title: 't', series: [] })).toThrow(/series must be a non-empty array/);
    expect(() => lineChart({ title: 't', series: [{ name: 'a', x: [], y: [] }] })).toThrow(/series\[0\] \("a"\) is empty/);
    expect(() => lineChart({ title: 't', series: [{ name: 'a', x: [1, 2], y: [1] }] })).toThrow(
      /series\[0\] \("a"\): x and y must have the same length, got x.length=2, y.length=1/,
    );
    expect(() => lineChart({ title: 't', series: [{ name: 'a', x: [1, 2], y: [1, NaN] }] })).toThrow(
      /series\[0\] \("a"\).y\[1\] = NaN, expected a finite number/,
    );
    expect(() => lineChart({ title: 't', logY: true, series: [{ name: 'a', x: [1], y: [0] }] })).toThrow(/positive number on a log scale/);
    expect(() => lineChart({ title: 't', yDomain: [1, 0], series: [{ name: 'a', x: [1], y: [0] }] })).toThrow(/yDomain must be \[min, max\]/);
    expect(() =>
      lineChart({ title: 't', series: [{ name: 'a', x: [1], y: [1], color: 'red' }, { name: 'a', x: [1], y: [1], color: 'blue' }] }),
    ).toThrow(/color blue differs from red/);
  });

  test('heatmap', () => {
    expect(() => heatmap({ title: 't', values: [[1, 2], [3]], rowLabels: ['a', 'b'] })).toThrow(/values\[1\] has 1 entries, expected 2/);
    expect(() => heatmap({ title: 't', values: [1, 2, 3], rowLabels: ['a', 'b'] })).toThrow(/expected rows\*cols = 2\*2 = 4/);
    expect(() => heatmap({ title: 't', values: [1, NaN, 3, 4], rowLabels: ['a', 'b'] })).toThrow(/values\[0\]\[1\] = NaN/);
    expect(() => heatmap({ title: 't', values: [1], rowLabels: ['a', 'a'] })).toThrow(/distinct/);
  });

  test('barChart', () => {
    expect(() => barChart({ title: 't', categories: ['a', 'b'], series: [{ name: 's', values: [1] }] })).toThrow(
      /series\[0\] \("s"\).values has 1 entries, expected 2/,
    );
    expect(() => barChart({ title: 't', categories: ['a'], series: [{ name: 's', values: [Infinity] }] })).toThrow(
      /values\[0\] \(category "a"\) = Infinity/,
    );
  });

  test('imageGrid', () => {
    const ok = new Float32Array(4);
    expect(() => imageGrid({ title: 't', images: [ok, new Float32Array(3)], height: 2, width: 2 })).toThrow(
      /images\[1\] has 3 values, expected height\*width = 2\*2 = 4/,
    );
    expect(() => imageGrid({ title: 't', images: [new Float32Array([0, 0.5, NaN, 1])], height: 2, width: 2 })).toThrow(
      /images\[0\]\[2\] \(row 1, col 0\) = NaN, expected a value in \[0, 1\]/,
    );
    expect(() => imageGrid({ title: 't', images: [ok, ok, ok], height: 2, width: 2, rows: 1, cols: 2 })).toThrow(/3 images do not fit/);
    expect(() => imageGrid({ title: 't', images: [ok], height: 2, width: 2, captions: [] })).toThrow(/one string per image \(1\), got 0/);
    expect(() => imageGrid({ title: 't', images: new Float32Array(5), height: 2, width: 2 })).toThrow(/positive multiple of height\*width = 4/);
  });
});

describe('image grid pixels', () => {
  test('stay crisp when the PNG is drawn at 2x: a checkerboard keeps (almost) only black and white', async () => {
    const board = new Float32Array(28 * 28).map((_, k) => ((k % 28) + Math.floor(k / 28)) % 2);
    const { svg } = await renderVegaLite(imageGrid({ title: 'x', images: [board], height: 28, width: 28 }), { scale: 1 });
    const { pixels } = svgToRgba(svg, 2);
    let black = 0;
    let mid = 0;
    for (let i = 0; i < pixels.length; i += 4) {
      if (pixels[i] === 0) black++;
      else if (pixels[i] > 10 && pixels[i] < 245) mid++;
    }
    // 84x84 SVG pixels drawn at 2x: 168^2 / 2 black pixels. Smoothing would turn most of them grey.
    expect(black).toBeGreaterThan(0.95 * (168 * 168) / 2);
    expect(mid).toBeLessThan(0.02 * black);
  });
});

describe('more bad input', () => {
  test('barChart rejects a format d3 cannot read', () => {
    expect(() => barChart({ title: 't', categories: ['a'], series: [{ name: 's', values: [1] }], format: 'zz%q' })).toThrow(
      /format must be a d3-format string/,
    );
  });
});
