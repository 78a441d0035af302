// Writes a figure's PNG and SVG files atomically: everything is rendered in memory first, then each file
// is written beside its target and renamed into place, so a crash never leaves a half-written figure.

import * as fs from 'node:fs';
import * as path from 'node:path';
import { writeFileAtomic } from '../fs';
import { renderSpec, type RenderedFigure, type Spec } from './render';

/** The file formats `saveFigure` can write. */
export type FigureFormat = 'png' | 'svg';

/** Options for `saveFigure`. */
export interface SaveFigureOptions {
  /** Which files to write. Default ['png', 'svg']. */
  formats?: FigureFormat[];
  /** PNG pixels per SVG pixel. Default 2. */
  scale?: number;
}

function isRendered(figure: Spec | RenderedFigure): figure is RenderedFigure {
  return typeof (figure as RenderedFigure).svg === 'string' && Buffer.isBuffer((figure as RenderedFigure).png);
}

/**
 * Renders `figure` (a Vega-Lite or Vega spec, or an already rendered figure) and writes it as
 * `<base>.png` and/or `<base>.svg`, creating the folder if needed.
 * @param target the file path without extension, or with `.png` / `.svg` (which is dropped: both formats
 *   asked for in `opts.formats` are written next to each other)
 * @returns the paths written, in the order of `opts.formats`
 */
export async function saveFigure(
  target: string,
  figure: Spec | RenderedFigure,
  opts: SaveFigureOptions = {},
): Promise<string[]> {
  const formats = opts.formats ?? ['png', 'svg'];
  if (formats.length === 0) throw new Error('saveFigure: formats must name at least one of "png", "svg"; got []');
  for (const f of formats) {
    if (f !== 'png' && f !== 'svg') throw new Error(`saveFigure: format must be "png" or "svg", got ${JSON.stringify(f)}`);
  }
  if (typeof target !== 'string' || target === '') throw new Error(`saveFigure: target must be a file path, got ${JSON.stringify(target)}`);
  const base = target.replace(/\.(png|svg)$/i, '');
  // Render before touching the disk: a failing spec must leave no file behind, not even an empty one.
  const rendered = isRendered(figure) ? figure : await renderSpec(figure, { scale: opts.scale });
  fs.mkdirSync(path.dirname(path.resolve(base)), { recursive: true });
  const written: string[] = [];
  for (const f of formats) {
    const file = `${base}.${f}`;
    writeFileAtomic(file, f === 'png' ? rendered.png : rendered.svg);
    written.push(file);
  }
  return written;
}
