// Loads vega, vega-lite and resvg on first use, not when scratchnet is imported: vega alone takes about
// 0.1 s to load, which every command and test that never draws a figure would otherwise pay.

import type * as Vega from 'vega';
import type * as VegaLite from 'vega-lite';
import type * as ResvgJs from '@resvg/resvg-js';

let vegaMod: typeof Vega | undefined;
let vegaLiteMod: typeof VegaLite | undefined;
let resvgMod: typeof ResvgJs | undefined;

/** The `vega` module (5.x, CommonJS build), loaded once. */
export function vega(): typeof Vega {
  return (vegaMod ??= require('vega') as typeof Vega);
}

/** The `vega-lite` module (5.x), loaded once. */
export function vegaLite(): typeof VegaLite {
  return (vegaLiteMod ??= require('vega-lite') as typeof VegaLite);
}

/** The `@resvg/resvg-js` module (prebuilt native binary), loaded once. */
export function resvg(): typeof ResvgJs {
  return (resvgMod ??= require('@resvg/resvg-js') as typeof ResvgJs);
}
