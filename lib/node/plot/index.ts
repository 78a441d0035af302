// The plotting API: chart builders that return plain Vega-Lite specs, a renderer (Vega-Lite → Vega → SVG
// → PNG, headless) and an atomic figure writer. See README "Plots".

export * from './charts';
export * from './render';
export * from './save';
export { encodeGrayPng, pngSize } from './png';
export * from './metrics';
