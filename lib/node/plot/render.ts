// Turns a Vega-Lite (or Vega) spec into SVG text and PNG bytes, headless: vega lays the figure out and
// writes SVG without a canvas or browser, and resvg (a Rust renderer shipped as an npm binary) rasterises it.

import * as fs from 'node:fs';
import * as path from 'node:path';
import type { ResvgRenderOptions } from '@resvg/resvg-js';
import type * as VegaTypes from 'vega';
import type * as VegaLiteTypes from 'vega-lite';
import * as lazy from './lazy';
import { installTextMetrics } from './metrics';

/**
 * The font every figure asks for. DejaVu Sans is free to redistribute, on most Linux machines already,
 * and shipped by the npm package `dejavu-fonts-ttf`, so a PNG looks the same on every machine that has it.
 */
export const PLOT_FONT_FAMILY = 'DejaVu Sans';

/** Where DejaVu Sans is usually found; the first readable regular/bold pair wins (see `plotFontFiles`). */
const FONT_CANDIDATES: ReadonlyArray<() => string | undefined> = [
  () => process.env.SCRATCHNET_PLOT_FONT_DIR,
  () => {
    try {
      return path.dirname(require.resolve('dejavu-fonts-ttf/ttf/DejaVuSans.ttf'));
    } catch {
      return undefined; // optional package not installed
    }
  },
  () => '/usr/share/fonts/truetype/dejavu', // Debian, Ubuntu
  () => '/usr/share/fonts/dejavu-sans-fonts', // Fedora
  () => '/usr/share/fonts/TTF', // Arch
  () => '/usr/share/fonts/dejavu', // Alpine, openSUSE
  () => '/usr/local/share/fonts/dejavu', // FreeBSD
];

let fontFilesCache: string[] | undefined;

/**
 * The DejaVu Sans font files resvg is given, or [] if none were found. Searched, in order: the folder in
 * SCRATCHNET_PLOT_FONT_DIR, the `dejavu-fonts-ttf` npm package, the usual system font folders.
 */
export function plotFontFiles(): string[] {
  if (fontFilesCache) return fontFilesCache;
  fontFilesCache = [];
  for (const candidate of FONT_CANDIDATES) {
    const dir = candidate();
    if (!dir) continue;
    const regular = path.join(dir, 'DejaVuSans.ttf');
    if (!fs.existsSync(regular)) continue;
    fontFilesCache.push(regular);
    const bold = path.join(dir, 'DejaVuSans-Bold.ttf'); // titles are bold; without it resvg fakes nothing
    if (fs.existsSync(bold)) fontFilesCache.push(bold);
    break;
  }
  return fontFilesCache;
}

/**
 * resvg options: only DejaVu when we found it (fast, and identical output on every machine); otherwise
 * every system font, with the generic families pointed at Arial (resvg falls back to any installed font
 * when a family is missing, so any font on the machine is enough for text to show).
 */
function resvgOptions(scale: number): ResvgRenderOptions {
  const files = plotFontFiles();
  const font: ResvgRenderOptions['font'] =
    files.length > 0
      ? { fontFiles: files, loadSystemFonts: false, defaultFontFamily: PLOT_FONT_FAMILY, sansSerifFamily: PLOT_FONT_FAMILY }
      : { loadSystemFonts: true, defaultFontFamily: 'Arial', sansSerifFamily: 'Arial' };
  return { font, fitTo: { mode: 'zoom', value: scale }, background: 'white' };
}

let textCheckDone = false;

/**
 * True if resvg draws text with the fonts it can find. With no font at all resvg silently drops every
 * label, so the first render checks once and warns rather than writing unreadable figures quietly.
 */
export function plotTextRenders(): boolean {
  const svg =
    '<svg xmlns="http://www.w3.org/2000/svg" width="40" height="20">' +
    `<text x="2" y="16" font-size="16" font-family="${PLOT_FONT_FAMILY}, sans-serif">Ag</text></svg>`;
  const px = new (lazy.resvg().Resvg)(svg, { ...resvgOptions(1), background: undefined }).render().pixels;
  for (let i = 3; i < px.length; i += 4) if (px[i] !== 0) return true;
  return false;
}

function warnIfNoText(): void {
  if (textCheckDone) return;
  textCheckDone = true;
  if (!plotTextRenders()) {
    process.emitWarning(
      'scratchnet plots: no usable font found, PNG figures will have no text (the SVG files are fine). ' +
        'Install DejaVu Sans (apt-get install fonts-dejavu-core, or npm install dejavu-fonts-ttf) ' +
        'or set SCRATCHNET_PLOT_FONT_DIR to a folder holding DejaVuSans.ttf.',
      'ScratchnetPlotWarning',
    );
  }
}

/** A rendered figure: the SVG document and the PNG bytes drawn from it. */
export interface RenderedFigure {
  svg: string;
  png: Buffer;
  /** PNG size in pixels (the SVG's size times `scale`). */
  width: number;
  height: number;
}

/** Options for rendering. */
export interface RenderOptions {
  /** PNG pixels per SVG pixel (2 gives sharp figures on high-DPI screens and in papers). Default 2. */
  scale?: number;
}

/** A plain spec object: Vega-Lite if its `$schema` names vega-lite (or it has no `$schema`), else Vega. */
export type Spec = Record<string, unknown>;

/** True if `spec` should be compiled by Vega-Lite first: its `$schema` says so, or it has no `$schema`. */
export function isVegaLiteSpec(spec: Spec): boolean {
  const schema = spec.$schema;
  return typeof schema !== 'string' || /vega-lite/.test(schema);
}

/** Lays out a Vega spec headlessly and returns its SVG (vega's 'none' renderer: no canvas, no DOM). */
export async function vegaToSvg(spec: Spec): Promise<string> {
  installTextMetrics();
  const vega = lazy.vega();
  // Vega logs dataflow errors (a failed load, a bad expression) and renders on without the data;
  // a figure missing its data must fail instead, so errors are collected and thrown after rendering.
  const errors: unknown[] = [];
  // Vega's loader would fetch URLs; figures here carry their data inline, so refuse network and files
  // (vega reports a failed load only as a warning, hence the record in `errors`).
  const loader = vega.loader({ mode: 'http' });
  loader.load = async (uri: string) => {
    const err = new Error(`scratchnet plots load no external data (asked for ${uri}); put values inline`);
    errors.push(err);
    throw err;
  };
  const logger = vega.logger(vega.Error); // the load warning is ours, thrown below
  logger.error = (...args: readonly unknown[]) => {
    errors.push(args.length === 1 ? args[0] : args.map(String).join(' '));
    return logger;
  };
  const view = new vega.View(vega.parse(spec as VegaTypes.Spec), { renderer: 'none', loader, logger });
  try {
    const svg = await view.toSVG();
    if (errors.length > 0) throw errors[0] instanceof Error ? errors[0] : new Error(String(errors[0]));
    return svg;
  } finally {
    view.finalize();
  }
}

/** Draws an SVG document with resvg at `scale` image pixels per SVG pixel; returns the resvg image. */
function rasterize(svg: string, scale: number) {
  if (!(scale > 0 && Number.isFinite(scale))) throw new Error(`scale must be a positive number, got ${scale}`);
  warnIfNoText();
  // Vega marks unsmoothed images "image-rendering: optimizeSpeed; image-rendering: pixelated" for
  // browsers; resvg knows only optimizeSpeed and lets the unknown later value win, smoothing the pixels.
  const forResvg = svg.replace(/ ?image-rendering: ?pixelated;?/g, '');
  return new (lazy.resvg().Resvg)(forResvg, resvgOptions(scale)).render();
}

/** Draws an SVG document as PNG with resvg, at `scale` PNG pixels per SVG pixel. */
export function svgToPng(svg: string, scale = 2): { png: Buffer; width: number; height: number } {
  const image = rasterize(svg, scale);
  return { png: image.asPng(), width: image.width, height: image.height };
}

/** Draws an SVG document as raw pixels: (height, width, 4) RGBA bytes, row-major, on white. */
export function svgToRgba(svg: string, scale = 2): { pixels: Buffer; width: number; height: number } {
  const image = rasterize(svg, scale);
  return { pixels: image.pixels, width: image.width, height: image.height };
}

/** Renders a Vega spec to SVG and PNG. */
export async function renderVega(spec: Spec, opts: RenderOptions = {}): Promise<RenderedFigure> {
  const svg = await vegaToSvg(spec);
  return { svg, ...svgToPng(svg, opts.scale ?? 2) };
}

/**
 * Renders a Vega-Lite spec (any, not just the ones built here) to SVG and PNG: compiled to Vega, laid out
 * by vega headlessly, rasterised by resvg.
 */
export async function renderVegaLite(spec: Spec, opts: RenderOptions = {}): Promise<RenderedFigure> {
  const compiled = lazy.vegaLite().compile(spec as unknown as VegaLiteTypes.TopLevelSpec).spec;
  return renderVega(compiled as unknown as Spec, opts);
}

/** Renders either kind of spec, telling them apart by `$schema` (see `isVegaLiteSpec`). */
export async function renderSpec(spec: Spec, opts: RenderOptions = {}): Promise<RenderedFigure> {
  return isVegaLiteSpec(spec) ? renderVegaLite(spec, opts) : renderVega(spec, opts);
}
