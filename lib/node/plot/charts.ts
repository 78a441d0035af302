// Small functions that check their data and build plain Vega-Lite specs for the figures scratchnet's
// commands write: line charts (training curves), heatmaps (confusion matrices), image grids, bar charts.
// Each returns a spec object; render it with `renderVegaLite` or write it with `saveFigure`.

import * as lazy from './lazy';
import { textWidth } from './metrics';
import { encodeGrayPng } from './png';
import { PLOT_FONT_FAMILY, type Spec } from './render';

const VL_SCHEMA = 'https://vega.github.io/schema/vega-lite/v5.json';

/** Tableau 10: the colours given to series that name none, in order. */
export const DEFAULT_COLORS = [
  '#4e79a7', '#f28e2b', '#e15759', '#76b7b2', '#59a14f',
  '#edc948', '#b07aa1', '#ff9da7', '#9c755f', '#bab0ac',
];

/** Dash patterns by name, as SVG stroke-dasharray lengths (on, off, ...). */
export const DASHES: Record<'solid' | 'dashed' | 'dotted', number[]> = {
  solid: [1, 0],
  dashed: [7, 4],
  dotted: [2, 3],
};

/** Fonts and sizes shared by every figure: larger than Vega's defaults so a PNG reads at a glance. */
function baseConfig(): Record<string, unknown> {
  return {
    font: `${PLOT_FONT_FAMILY}, sans-serif`,
    background: 'white',
    padding: 10,
    title: { fontSize: 16, subtitleFontSize: 12, anchor: 'middle', offset: 12 },
    axis: { labelFontSize: 12, titleFontSize: 13, titlePadding: 8, gridColor: '#e4e4e4' },
    legend: { labelFontSize: 12, titleFontSize: 12, symbolStrokeWidth: 2.5, symbolSize: 300, labelLimit: 300 },
    header: { labelFontSize: 13, titleFontSize: 13 },
    view: { stroke: '#bbbbbb' },
  };
}

function fail(fn: string, what: string): never {
  throw new Error(`${fn}: ${what}`);
}

function checkTitle(fn: string, title: unknown): string {
  if (typeof title !== 'string') fail(fn, `title must be a string, got ${typeof title}`);
  return title;
}

function checkSize(fn: string, name: string, v: number | undefined, dflt: number): number {
  if (v === undefined) return dflt;
  if (!(Number.isFinite(v) && v > 0)) fail(fn, `${name} must be a positive number, got ${v}`);
  return v;
}

function checkColor(fn: string, where: string, c: string | undefined): void {
  if (c !== undefined && (typeof c !== 'string' || c.trim() === '')) fail(fn, `${where}.color must be a CSS colour string, got ${JSON.stringify(c)}`);
}

function checkDomain(fn: string, where: string, d: readonly number[] | undefined, log: boolean): void {
  if (d === undefined) return;
  if (!Array.isArray(d) || d.length !== 2 || !d.every(Number.isFinite) || !(d[0] < d[1])) {
    fail(fn, `${where} must be [min, max] with finite min < max, got ${JSON.stringify(d)}`);
  }
  if (log && d[0] <= 0) fail(fn, `${where} must be positive on a log scale, got ${JSON.stringify(d)}`);
}

/** True if every value is a whole number: then an axis shows integer ticks only (epochs, steps). */
function allIntegers(values: Iterable<number>): boolean {
  for (const v of values) if (!Number.isInteger(v)) return false;
  return true;
}

/**
 * Axis settings for integer x values (epochs, steps): whole-number labels only. Over a short range vega would
 * still place ticks at halves and 'd' would print them rounded ("1 2 2" for two epochs), so up to a dozen
 * values every integer is listed; beyond that tickMinStep keeps vega's ticks on whole numbers.
 */
function integerAxis(xs: number[]): Record<string, unknown> {
  const lo = Math.min(...xs);
  const hi = Math.max(...xs);
  if (hi - lo > 12) return { tickMinStep: 1, format: 'd' };
  return { values: Array.from({ length: hi - lo + 1 }, (_, i) => lo + i), format: 'd' };
}

// ---------------------------------------------------------------------------------------------------------
// Line chart

/** One line of a line chart. */
export interface LineSeries {
  /** Legend entry; series sharing a name share one legend entry (and must share colour and dash). */
  name: string;
  x: ArrayLike<number>;
  /** Same length as `x`; finite (and positive on a log scale). */
  y: ArrayLike<number>;
  /** CSS colour; default: the next of DEFAULT_COLORS, one per distinct name. */
  color?: string;
  /** 'solid' (default), 'dashed', 'dotted', or an SVG dash array such as [6, 3]. */
  dash?: number[] | 'solid' | 'dashed' | 'dotted';
  /** Panel this series is drawn in; panels stand side by side, each with its own y axis. */
  panel?: string;
}

/** Options for `lineChart`. */
export interface LineChartOptions {
  title: string;
  series: LineSeries[];
  xLabel?: string;
  /** y-axis title, one for all panels or one per panel name. */
  yLabel?: string | Record<string, string>;
  /** y range [min, max], one for all panels or one per panel name; default: fitted to the data. */
  yDomain?: [number, number] | Record<string, [number, number]>;
  /** Logarithmic y axis (loss curves spanning decades), for all panels or per panel name. */
  logY?: boolean | Record<string, boolean>;
  /** Legend title; default none (series names say enough). */
  legendTitle?: string;
  /** Draw a dot at every point; default: when no series has more than 30 points. */
  points?: boolean;
  /** Size of one panel's plotting area in SVG pixels; default 440 x 290. */
  width?: number;
  height?: number;
}

function perPanel<T>(v: T | Record<string, T> | undefined, panel: string, isSingle: (v: unknown) => boolean): T | undefined {
  if (v === undefined || isSingle(v)) return v as T | undefined;
  return (v as Record<string, T>)[panel];
}

/**
 * A line chart: training curves (train solid, validation dashed), optimizer comparisons, several panels
 * (e.g. 'loss' and 'accuracy') side by side with their own y axes and one shared legend.
 * @throws Error naming the series and value when data are empty, mismatched or not finite
 */
export function lineChart(opts: LineChartOptions): Spec {
  const fn = 'lineChart';
  const title = checkTitle(fn, opts.title);
  const series = opts.series;
  if (!Array.isArray(series) || series.length === 0) fail(fn, 'series must be a non-empty array of {name, x, y}, got ' + (Array.isArray(series) ? '[]' : typeof series));
  const isLog = (panel: string): boolean => perPanel(opts.logY, panel, (v) => typeof v === 'boolean') === true;
  const width = checkSize(fn, 'width', opts.width, 440);
  const height = checkSize(fn, 'height', opts.height, 290);

  // Legend: one entry per distinct name, with that name's colour and dash.
  const names: string[] = [];
  const colors: string[] = [];
  const dashes: number[][] = [];
  const panels: string[] = [];
  const rows: { series: string; panel: string; x: number; y: number }[][] = [];
  let maxPoints = 0;
  series.forEach((s, i) => {
    const where = `series[${i}]${s && typeof s.name === 'string' ? ` ("${s.name}")` : ''}`;
    if (!s || typeof s.name !== 'string' || s.name === '') fail(fn, `${where}.name must be a non-empty string, got ${JSON.stringify(s?.name)}`);
    if (!s.x || typeof s.x.length !== 'number') fail(fn, `${where}.x must be an array of numbers`);
    if (!s.y || typeof s.y.length !== 'number') fail(fn, `${where}.y must be an array of numbers`);
    if (s.x.length === 0) fail(fn, `${where} is empty: x and y need at least one point`);
    if (s.x.length !== s.y.length) fail(fn, `${where}: x and y must have the same length, got x.length=${s.x.length}, y.length=${s.y.length}`);
    checkColor(fn, where, s.color);
    let dash: number[];
    if (s.dash === undefined) dash = DASHES.solid;
    else if (typeof s.dash === 'string') {
      if (!(s.dash in DASHES)) fail(fn, `${where}.dash must be 'solid', 'dashed', 'dotted' or a number array, got ${JSON.stringify(s.dash)}`);
      dash = DASHES[s.dash];
    } else if (Array.isArray(s.dash) && s.dash.length > 0 && s.dash.every((d) => Number.isFinite(d) && d >= 0)) dash = s.dash;
    else fail(fn, `${where}.dash must be 'solid', 'dashed', 'dotted' or a non-empty array of lengths >= 0, got ${JSON.stringify(s.dash)}`);
    const panel = s.panel ?? '';
    if (typeof panel !== 'string') fail(fn, `${where}.panel must be a string, got ${typeof panel}`);
    let k = names.indexOf(s.name);
    if (k < 0) {
      k = names.length;
      names.push(s.name);
      colors.push(s.color ?? DEFAULT_COLORS[k % DEFAULT_COLORS.length]);
      dashes.push(dash);
    } else {
      // Same name in two panels (train loss, train accuracy): one legend entry, so one style.
      if (s.color !== undefined && s.color !== colors[k]) fail(fn, `${where}.color ${s.color} differs from ${colors[k]} given to an earlier series of the same name`);
      if (s.dash !== undefined && dash.join(',') !== dashes[k].join(',')) fail(fn, `${where}.dash differs from an earlier series of the same name`);
    }
    let p = panels.indexOf(panel);
    if (p < 0) {
      p = panels.length;
      panels.push(panel);
      rows.push([]);
    }
    for (let j = 0; j < s.x.length; j++) {
      const x = s.x[j];
      const y = s.y[j];
      if (!Number.isFinite(x)) fail(fn, `${where}.x[${j}] = ${x}, expected a finite number`);
      if (!Number.isFinite(y)) fail(fn, `${where}.y[${j}] = ${y}, expected a finite number`);
      if (isLog(panel) && y <= 0) fail(fn, `${where}.y[${j}] = ${y}, expected a positive number on a log scale`);
      rows[p].push({ series: s.name, panel, x, y });
    }
    maxPoints = Math.max(maxPoints, s.x.length);
  });
  if (panels.length > 1 && panels.includes('')) fail(fn, 'when some series name a panel, every series must name one');
  const points = opts.points ?? maxPoints <= 30;
  const isPair = (v: unknown) => Array.isArray(v);
  const isString = (v: unknown) => typeof v === 'string';

  const legend = { title: opts.legendTitle ?? null, orient: 'right', symbolType: 'stroke' };
  const charts = panels.map((panel, p) => {
    const logY = isLog(panel);
    let yDomain = perPanel(opts.yDomain, panel, isPair);
    checkDomain(fn, panel ? `yDomain["${panel}"]` : 'yDomain', yDomain, logY);
    const ys = rows[p].map((r) => r.y);
    const yMin = Math.min(...ys);
    if (!yDomain && yMin === Math.max(...ys)) {
      // A flat line gives vega an empty range, whose ticks it labels wrongly (0.5 shown as "1").
      const d = Math.abs(yMin) * 0.1 || 1;
      yDomain = logY ? [yMin / 2, yMin * 2] : [yMin - d, yMin + d];
    }
    const yTitle = perPanel(opts.yLabel, panel, isString) ?? (panel || null);
    const xInt = allIntegers(rows[p].map((r) => r.x));
    return {
      // frame 'group': panel titles line up whatever the height of each panel's axis labels.
      ...(panels.length > 1 ? { title: { text: panel, fontSize: 14, frame: 'group' } } : {}),
      width,
      height,
      data: { values: rows[p] },
      mark: {
        type: 'line',
        strokeWidth: 2,
        clip: yDomain !== undefined, // a fixed range may cut lines off; a fitted one holds every point
        ...(points ? { point: { filled: true, size: 30 } } : {}),
      },
      encoding: {
        x: {
          field: 'x',
          type: 'quantitative',
          title: opts.xLabel ?? null,
          scale: { zero: false, nice: false, padding: 6 }, // padding: end points are not cut by the frame
          axis: xInt ? integerAxis(rows[p].map((r) => r.x)) : {},
        },
        y: {
          field: 'y',
          type: 'quantitative',
          title: yTitle,
          scale: { type: logY ? 'log' : 'linear', ...(logY ? {} : { zero: false }), ...(yDomain ? { domain: yDomain, nice: false } : {}) },
        },
        // Colour and dash on the same field with the same legend settings: Vega-Lite merges them into one
        // legend whose symbols show both, so "validation" reads as a dashed line of its colour.
        color: { field: 'series', type: 'nominal', scale: { domain: names, range: colors }, legend },
        strokeDash: { field: 'series', type: 'nominal', scale: { domain: names, range: dashes }, legend },
        order: { field: 'x', type: 'quantitative' },
      },
    };
  });
  return {
    $schema: VL_SCHEMA,
    title: { text: title },
    config: baseConfig(),
    ...(charts.length === 1 ? charts[0] : { hconcat: charts, spacing: 30, resolve: { scale: { y: 'independent' } } }),
  };
}

// ---------------------------------------------------------------------------------------------------------
// Heatmap (confusion matrix)

/** Options for `heatmap`. */
export interface HeatmapOptions {
  title: string;
  /** The counts: rows = true class, columns = predicted class. number[][] or row-major flat (rows*cols). */
  values: number[][] | ArrayLike<number>;
  /** Row names (true classes), top to bottom. */
  rowLabels: string[];
  /** Column names (predicted classes), left to right; default `rowLabels`. */
  colLabels?: string[];
  /** Axis titles; default 'Predicted class' and 'True class'. */
  xLabel?: string;
  yLabel?: string;
  /** Colour by the count (default) or by the fraction of its row (recall view, fair to rare classes). */
  normalize?: 'none' | 'row';
  /** Vega colour scheme; default 'blues'. */
  scheme?: string;
  /** Cell size in SVG pixels; default fits the matrix into about 440 pixels, 28 to 56 per cell. */
  cellSize?: number;
  /** d3-format of the numbers written in the cells; default integers, or 3 significant digits. */
  format?: string;
}

/**
 * A heatmap with each cell's value written in it, in black or white to contrast with the cell's colour:
 * a confusion matrix with rows = true classes and columns = predicted classes.
 */
export function heatmap(opts: HeatmapOptions): Spec {
  const fn = 'heatmap';
  const title = checkTitle(fn, opts.title);
  const rowLabels = opts.rowLabels;
  const colLabels = opts.colLabels ?? rowLabels;
  for (const [name, labels] of [['rowLabels', rowLabels], ['colLabels', colLabels]] as const) {
    if (!Array.isArray(labels) || labels.length === 0) fail(fn, `${name} must be a non-empty array of strings`);
    if (new Set(labels).size !== labels.length) fail(fn, `${name} must be distinct, got ${JSON.stringify(labels)}`);
    labels.forEach((l, i) => typeof l === 'string' || fail(fn, `${name}[${i}] must be a string, got ${typeof l}`));
  }
  const R = rowLabels.length;
  const C = colLabels.length;
  const v = opts.values;
  let flat: number[];
  if (Array.isArray(v) && v.length > 0 && Array.isArray(v[0])) {
    const m = v as number[][];
    if (m.length !== R) fail(fn, `values has ${m.length} rows, expected ${R} (one per rowLabels entry)`);
    m.forEach((row, i) => {
      if (!Array.isArray(row) || row.length !== C) fail(fn, `values[${i}] has ${row?.length} entries, expected ${C} (one per colLabels entry)`);
    });
    flat = m.flat();
  } else {
    if (!v || typeof (v as ArrayLike<number>).length !== 'number') fail(fn, 'values must be number[][] or a flat array of numbers');
    const a = v as ArrayLike<number>;
    if (a.length !== R * C) fail(fn, `values has ${a.length} entries, expected rows*cols = ${R}*${C} = ${R * C}`);
    flat = Array.from(a);
  }
  flat.forEach((x, k) => {
    if (!Number.isFinite(x)) fail(fn, `values[${Math.floor(k / C)}][${k % C}] = ${x}, expected a finite number`);
  });
  const normalize = opts.normalize ?? 'none';
  if (normalize !== 'none' && normalize !== 'row') fail(fn, `normalize must be 'none' or 'row', got ${JSON.stringify(normalize)}`);
  const cell = checkSize(fn, 'cellSize', opts.cellSize, Math.max(28, Math.min(56, Math.floor(440 / Math.max(R, C)))));
  const isInt = allIntegers(flat);
  const format = opts.format ?? (isInt ? 'd' : '.3~g');

  // shade in [0, 1] is the colour position; computed here so the text colour can flip at the midpoint.
  const cells: { row: string; col: string; value: number; shade: number }[] = [];
  const max = Math.max(...flat.map(Math.abs), 0);
  for (let i = 0; i < R; i++) {
    let rowSum = 0;
    for (let j = 0; j < C; j++) rowSum += flat[i * C + j];
    for (let j = 0; j < C; j++) {
      const value = flat[i * C + j];
      const shade = normalize === 'row' ? (rowSum > 0 ? value / rowSum : 0) : max > 0 ? value / max : 0;
      cells.push({ row: rowLabels[i], col: colLabels[j], value, shade });
    }
  }
  const longest = Math.max(...colLabels.map((l) => textWidth(l, 12)));
  const scheme = opts.scheme ?? 'blues';
  const x = {
    field: 'col',
    type: 'ordinal',
    title: opts.xLabel ?? 'Predicted class',
    scale: { domain: colLabels },
    axis: { labelAngle: longest > cell - 4 ? -40 : 0, ticks: false, domain: false, labelPadding: 6 },
  };
  const y = {
    field: 'row',
    type: 'ordinal',
    title: opts.yLabel ?? 'True class',
    scale: { domain: rowLabels },
    axis: { ticks: false, domain: false, labelPadding: 6 },
  };
  const colour =
    normalize === 'row'
      ? { field: 'shade', type: 'quantitative', title: 'fraction of row', scale: { scheme, domain: [0, 1] }, legend: { format: '.0%' } }
      : { field: 'value', type: 'quantitative', title: 'count', scale: { scheme, domain: [Math.min(0, ...flat), max || 1] } };
  return {
    $schema: VL_SCHEMA,
    title: { text: title },
    config: { ...baseConfig(), view: { stroke: null } },
    width: C * cell,
    height: R * cell,
    data: { values: cells },
    encoding: { x, y },
    layer: [
      { mark: { type: 'rect', stroke: 'white', strokeWidth: 1 }, encoding: { color: colour } },
      {
        mark: { type: 'text', fontSize: Math.max(9, Math.min(14, Math.round(cell / 3.2))) },
        encoding: {
          text: { field: 'value', type: 'quantitative', format },
          // Dark cells get white text: the "blues" scheme passes mid-blue around 0.5 of its range.
          color: { condition: { test: 'datum.shade > 0.5', value: 'white' }, value: 'black' },
        },
      },
    ],
  };
}

// ---------------------------------------------------------------------------------------------------------
// Bar chart

/** One group member of a bar chart: one value per category. */
export interface BarSeries {
  name: string;
  values: ArrayLike<number>;
  color?: string;
}

/** Options for `barChart`. */
export interface BarChartOptions {
  title: string;
  /** Category names (classes, models), in display order. */
  categories: string[];
  /** One or more series; with several, bars are grouped per category and a legend is drawn. */
  series: BarSeries[];
  /** Horizontal bars (default; long class names read well) or vertical. */
  horizontal?: boolean;
  /** Axis titles for the values and the categories. */
  valueLabel?: string;
  categoryLabel?: string;
  /** Value range; default from 0 to the data's maximum. */
  valueDomain?: [number, number];
  /** d3-format of the value labels written at the bar ends, e.g. '.3f' or '.1%'; default '.3~g'. */
  format?: string;
  /** Thickness of one bar in SVG pixels; default 18. */
  barSize?: number;
  /** Length of the value axis in SVG pixels; default 420. */
  length?: number;
}

/** A bar chart, grouped when there are several series, with each bar's value written at its end. */
export function barChart(opts: BarChartOptions): Spec {
  const fn = 'barChart';
  const title = checkTitle(fn, opts.title);
  const cats = opts.categories;
  if (!Array.isArray(cats) || cats.length === 0) fail(fn, 'categories must be a non-empty array of strings');
  if (new Set(cats).size !== cats.length) fail(fn, `categories must be distinct, got ${JSON.stringify(cats)}`);
  const series = opts.series;
  if (!Array.isArray(series) || series.length === 0) fail(fn, 'series must be a non-empty array of {name, values}');
  const rows: { category: string; series: string; value: number }[] = [];
  const names: string[] = [];
  const colors: string[] = [];
  series.forEach((s, i) => {
    const where = `series[${i}]${s && typeof s.name === 'string' ? ` ("${s.name}")` : ''}`;
    if (!s || typeof s.name !== 'string') fail(fn, `${where}.name must be a string`);
    if (names.includes(s.name)) fail(fn, `${where}.name is used twice; series names must be distinct`);
    if (!s.values || typeof s.values.length !== 'number') fail(fn, `${where}.values must be an array of numbers`);
    if (s.values.length !== cats.length) fail(fn, `${where}.values has ${s.values.length} entries, expected ${cats.length} (one per category)`);
    checkColor(fn, where, s.color);
    names.push(s.name);
    colors.push(s.color ?? DEFAULT_COLORS[i % DEFAULT_COLORS.length]);
    for (let j = 0; j < cats.length; j++) {
      const value = s.values[j];
      if (!Number.isFinite(value)) fail(fn, `${where}.values[${j}] (category "${cats[j]}") = ${value}, expected a finite number`);
      rows.push({ category: cats[j], series: s.name, value });
    }
  });
  checkDomain(fn, 'valueDomain', opts.valueDomain, false);
  const horizontal = opts.horizontal ?? true;
  const bar = checkSize(fn, 'barSize', opts.barSize, 18);
  const length = checkSize(fn, 'length', opts.length, 420);
  const grouped = series.length > 1;
  const format = opts.format ?? '.3~g';
  let formatter: (v: number) => string;
  try {
    formatter = (lazy.vega().formatLocale as unknown as (d: object) => { format(f: string): (v: number) => string })({
      decimal: '.', thousands: ',', grouping: [3], currency: ['$', ''],
    }).format(format);
  } catch {
    fail(fn, `format must be a d3-format string such as '.3f' or '.1%', got ${JSON.stringify(format)}`);
  }
  // Vertical bars carry their value label on top, so a bar is made at least as wide as its label.
  const labelW = Math.max(...rows.map((r) => textWidth(formatter(r.value), 11)));
  const barW = horizontal ? bar : Math.ceil(Math.max(grouped ? bar : bar * 1.6, labelW + 4));
  // With several series the step is one bar of a group (x/yOffset); with one it is a whole category.
  const step = grouped ? barW : barW + 10;

  const valueEnc = {
    field: 'value',
    type: 'quantitative',
    title: opts.valueLabel ?? null,
    scale: opts.valueDomain ? { domain: opts.valueDomain, nice: false } : { zero: true },
  };
  const catEnc = {
    field: 'category',
    type: 'nominal',
    title: opts.categoryLabel ?? null,
    scale: { domain: cats },
    axis: horizontal
      ? { ticks: false, labelPadding: 6 }
      : { labelAngle: Math.max(...cats.map((c) => textWidth(c, 12))) > (grouped ? step * series.length : step) - 6 ? -40 : 0, ticks: false, labelPadding: 6 },
  };
  const colorEnc = {
    field: 'series',
    type: 'nominal',
    scale: { domain: names, range: colors },
    legend: grouped ? { title: null } : null,
  };
  const offset = grouped ? { field: 'series', type: 'nominal', scale: { domain: names } } : undefined;
  const encoding = horizontal
    ? { y: catEnc, x: valueEnc, color: colorEnc, ...(offset ? { yOffset: offset } : {}) }
    : { x: catEnc, y: valueEnc, color: colorEnc, ...(offset ? { xOffset: offset } : {}) };
  const labelMark = horizontal
    ? { type: 'text', align: 'left', baseline: 'middle', dx: 3, fontSize: 11, clip: false }
    : { type: 'text', align: 'center', baseline: 'bottom', dy: -3, fontSize: 11, clip: false };
  const size = horizontal ? { width: length, height: { step } } : { height: length * 0.7, width: { step } };
  return {
    $schema: VL_SCHEMA,
    title: { text: title },
    config: { ...baseConfig(), view: { stroke: null } },
    ...size,
    data: { values: rows },
    encoding,
    layer: [
      { mark: { type: 'bar', size: barW - 2, clip: true } },
      { mark: labelMark, encoding: { text: { field: 'value', type: 'quantitative', format }, color: { value: '#333333' } } },
    ],
  };
}

// ---------------------------------------------------------------------------------------------------------
// Image grid

/** Options for `imageGrid`. */
export interface ImageGridOptions {
  title: string;
  /** The images, each (height, width) row-major with values in [0, 1] (0 black), or all in one flat array. */
  images: ArrayLike<number>[] | Float32Array;
  /** Image size in pixels. */
  height: number;
  width: number;
  /** Grid size; default: cols = min(n, 10), rows = ceil(n / cols). */
  rows?: number;
  cols?: number;
  /** One caption per image; '\n' starts a new line ("True: 3\nPred: 5"). */
  captions?: string[];
  /** One CSS colour per caption (e.g. red for wrong predictions); default black. */
  captionColors?: (string | undefined)[];
  /** Screen pixels per image pixel; default so that an image is about 84 pixels tall. */
  pixelScale?: number;
  /** Draw 1 as black ink on white (default false: MNIST style, white digit on black). */
  invert?: boolean;
}

/**
 * A grid of grayscale images (digits, clothes) with a caption under each. Images are embedded as PNG
 * data URLs already enlarged with nearest-neighbour sampling, so pixels stay crisp in any viewer.
 */
export function imageGrid(opts: ImageGridOptions): Spec {
  const fn = 'imageGrid';
  const title = checkTitle(fn, opts.title);
  const h = opts.height;
  const w = opts.width;
  if (!Number.isInteger(h) || h <= 0 || !Number.isInteger(w) || w <= 0) fail(fn, `height and width must be positive integers, got height=${h}, width=${w}`);
  let images: ArrayLike<number>[];
  if (opts.images instanceof Float32Array) {
    const flat = opts.images;
    if (flat.length === 0 || flat.length % (h * w) !== 0) fail(fn, `images (one flat Float32Array) has length ${flat.length}, expected a positive multiple of height*width = ${h * w}`);
    images = [];
    for (let k = 0; k < flat.length; k += h * w) images.push(flat.subarray(k, k + h * w));
  } else if (Array.isArray(opts.images) && opts.images.length > 0) images = opts.images;
  else fail(fn, 'images must be a non-empty array of images or one flat Float32Array');
  const n = images.length;
  images.forEach((img, i) => {
    if (!img || typeof img.length !== 'number') fail(fn, `images[${i}] must be an array of numbers`);
    if (img.length !== h * w) fail(fn, `images[${i}] has ${img.length} values, expected height*width = ${h}*${w} = ${h * w}`);
    for (let k = 0; k < img.length; k++) {
      const v = img[k];
      if (!(v >= 0 && v <= 1)) fail(fn, `images[${i}][${k}] (row ${Math.floor(k / w)}, col ${k % w}) = ${v}, expected a value in [0, 1]`);
    }
  });
  const cols = opts.cols ?? (opts.rows ? Math.ceil(n / opts.rows) : Math.min(n, 10));
  const rows = opts.rows ?? Math.ceil(n / cols);
  if (!Number.isInteger(rows) || rows <= 0 || !Number.isInteger(cols) || cols <= 0) fail(fn, `rows and cols must be positive integers, got rows=${rows}, cols=${cols}`);
  if (rows * cols < n) fail(fn, `${n} images do not fit in rows*cols = ${rows}*${cols} = ${rows * cols}`);
  const captions = opts.captions;
  if (captions !== undefined) {
    if (!Array.isArray(captions) || captions.length !== n) fail(fn, `captions must have one string per image (${n}), got ${Array.isArray(captions) ? captions.length : typeof captions}`);
    captions.forEach((c, i) => typeof c === 'string' || fail(fn, `captions[${i}] must be a string, got ${typeof c}`));
  }
  const cc = opts.captionColors;
  if (cc !== undefined) {
    if (!Array.isArray(cc) || cc.length !== n) fail(fn, `captionColors must have one entry per image (${n}), got ${Array.isArray(cc) ? cc.length : typeof cc}`);
    cc.forEach((c, i) => checkColor(fn, `captionColors[${i}]`, c));
  }
  const scale = opts.pixelScale ?? Math.max(1, Math.round(84 / h));
  if (!Number.isInteger(scale) || scale < 1) fail(fn, `pixelScale must be an integer >= 1, got ${scale}`);

  const imgW = w * scale;
  const imgH = h * scale;
  const lines = captions ? Math.max(1, ...captions.map((c) => c.split('\n').length)) : 0;
  const fontSize = 12;
  const lineHeight = 15;
  const captionH = lines > 0 ? lines * lineHeight + 6 : 0;
  // Captions may be wider than a small image; widen the cell rather than let them overlap.
  const longest = captions ? Math.max(...captions.flatMap((c) => c.split('\n').map((l) => l.length))) : 0;
  const cellW = Math.max(imgW, Math.ceil(longest * fontSize * 0.62)) + 12;
  const cellH = imgH + captionH + 12;
  const data = images.map((img, i) => {
    const r = Math.floor(i / cols);
    const c = i % cols;
    return {
      url: 'data:image/png;base64,' + encodeGrayPng(img, h, w, scale, opts.invert === true).toString('base64'),
      cx: c * cellW + cellW / 2,
      cy: r * cellH + 6 + imgH / 2,
      ty: r * cellH + 6 + imgH + 4,
      caption: captions ? captions[i] : '',
      color: cc?.[i] ?? '#000000',
    };
  });
  const xy = {
    x: { field: 'cx', type: 'quantitative', scale: null },
  };
  return {
    $schema: VL_SCHEMA,
    title: { text: title },
    config: { ...baseConfig(), view: { stroke: null } },
    width: cols * cellW,
    height: rows * cellH,
    data: { values: data },
    layer: [
      {
        mark: { type: 'image', width: imgW, height: imgH, smooth: false },
        encoding: { ...xy, y: { field: 'cy', type: 'quantitative', scale: null }, url: { field: 'url', type: 'nominal' } },
      },
      ...(captions
        ? [
            {
              mark: { type: 'text', baseline: 'top', align: 'center', fontSize, lineHeight, lineBreak: '\n' },
              encoding: {
                ...xy,
                y: { field: 'ty', type: 'quantitative', scale: null },
                text: { field: 'caption', type: 'nominal' },
                color: { field: 'color', type: 'nominal', scale: null },
              },
            },
          ]
        : []),
    ],
  };
}
