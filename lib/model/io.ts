// A Sequential model as bytes and back: a JSON header (architecture, shapes, checksum) and the raw
// float32 weights, little-endian, so a round trip is bit-exact. Platform-free: the same bytes come
// from `saveModel` on Node (lib/node/model-file.ts) and from `modelToBytes` in a browser.
//
// Layout:  "SCRATCHN" (8 bytes) | u32 LE header length H | H bytes of UTF-8 JSON | zero padding to
//          a multiple of 4 | P float32 LE values (the flat parameter buffer, layer order) | S float32
//          LE values (the flat non-trainable state, e.g. BatchNorm's running statistics; S = 0 and
//          no stateCount in the header for models without any, so older files read the same).
// Layers are recorded by their registered name (registerLayer), never by constructor.name.
// The header records the SHA-256 of the weight (and state) bytes; bytes that disagree are refused.

import { layerFromConfig, type LayerConfig } from '../layers';
import { sha256Hex } from '../util/sha256';
import { Sequential } from './sequential';

const MAGIC = 'SCRATCHN';
const FORMAT = 'scratchnet-model';
const VERSION = 1;

/** The JSON header of a saved model. */
export interface ModelHeader {
  format: string;
  version: number;
  name: string;
  seed: number;
  inputShape: number[];
  layers: LayerConfig[];
  paramShapes: { layer: string; name: string; shape: number[] }[];
  paramCount: number;
  /** Non-trainable values after the weights (absent: 0). */
  stateShapes?: { layer: string; name: string; shape: number[] }[];
  stateCount?: number;
  sha256: string;
  /** Anything the caller wants kept with the model (training config, class names...). */
  metadata?: Record<string, unknown>;
}

/** params then state as little-endian float32 bytes (a copy: both may live in shared wasm memory). */
function weightBytes(params: Readonly<Float32Array>, state: Readonly<Float32Array>): Uint8Array {
  const out = new Uint8Array((params.length + state.length) * 4);
  const dv = new DataView(out.buffer);
  for (let i = 0; i < params.length; i++) dv.setFloat32(i * 4, params[i], true);
  for (let i = 0, at = params.length * 4; i < state.length; i++) dv.setFloat32(at + i * 4, state[i], true);
  return out;
}

function stateShapesOf(model: Sequential): { layer: string; name: string; shape: number[] }[] {
  return model.layers.flatMap((l) => l.states.map((s) => ({ layer: l.name, name: s.name, shape: [...s.shape] })));
}

/** Serialises a built model (built first if needed) to the bytes of a model file. */
export function modelToBytes(model: Sequential, metadata?: Record<string, unknown>): Uint8Array {
  model.build();
  const weights = weightBytes(model.params, model.state);
  const header: ModelHeader = {
    format: FORMAT,
    version: VERSION,
    name: model.name,
    seed: model.seed,
    inputShape: [...model.inputShape!],
    layers: model.layers.map((l) => l.toConfig()),
    paramShapes: model.layers.flatMap((l) => l.params.map((p) => ({ layer: l.name, name: p.name, shape: [...p.shape] }))),
    paramCount: model.params.length,
    ...(model.state.length > 0 ? { stateShapes: stateShapesOf(model), stateCount: model.state.length } : {}),
    sha256: sha256Hex(weights),
    ...(metadata ? { metadata } : {}),
  };
  const json = new TextEncoder().encode(JSON.stringify(header));
  const start = MAGIC.length + 4 + json.length;
  const pad = (4 - (start % 4)) % 4;
  const out = new Uint8Array(start + pad + weights.length);
  for (let i = 0; i < MAGIC.length; i++) out[i] = MAGIC.charCodeAt(i);
  new DataView(out.buffer).setUint32(MAGIC.length, json.length, true);
  out.set(json, MAGIC.length + 4);
  out.set(weights, start + pad);
  return out;
}

/**
 * Checks the bytes of a model file and splits them into header and weights. `source` names them in
 * errors (a path, a URL). Throws when they are not a model, are truncated, or fail the checksum.
 */
export function parseModelBytes(bytes: Uint8Array, source = 'model bytes'): { header: ModelHeader; weights: Uint8Array } {
  const fail = (what: string): never => {
    throw new Error(`${source} is not a valid scratchnet model: ${what}`);
  };
  const magic = String.fromCharCode(...bytes.subarray(0, 8));
  if (bytes.length < 12 || magic !== MAGIC) fail(`expected it to start with "SCRATCHN", found ${JSON.stringify(magic)}`);
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const hlen = dv.getUint32(8, true);
  if (12 + hlen > bytes.length) fail(`header claims ${hlen} bytes but there are ${bytes.length - 12} after the length field (truncated?)`);
  let header: ModelHeader;
  try {
    header = JSON.parse(new TextDecoder().decode(bytes.subarray(12, 12 + hlen))) as ModelHeader;
  } catch (err) {
    return fail(`header is not JSON (${(err as Error).message})`);
  }
  if (header.format !== FORMAT) fail(`format is ${JSON.stringify(header.format)}, expected "${FORMAT}"`);
  if (header.version !== VERSION) fail(`version ${header.version}, this scratchnet reads version ${VERSION}`);
  const start = 12 + hlen + ((4 - ((12 + hlen) % 4)) % 4);
  const stateCount = header.stateCount ?? 0;
  const expected = start + 4 * (header.paramCount + stateCount);
  if (bytes.length !== expected) fail(`expected ${expected} bytes for ${header.paramCount} weights and ${stateCount} state values, found ${bytes.length} (truncated or corrupt)`);
  const weights = bytes.subarray(start);
  const sha = sha256Hex(weights);
  if (sha !== header.sha256) fail(`weight checksum mismatch: header says sha256 ${header.sha256}, the weights hash to ${sha}`);
  return { header, weights };
}

/** Rebuilds the model held in bytes made by modelToBytes (or read from a saved file); weights bit-exact. */
export function modelFromBytes(bytes: Uint8Array, source = 'model bytes'): Sequential {
  const { header, weights } = parseModelBytes(bytes, source);
  const layers = header.layers.map((l) => layerFromConfig(l.className, l.config));
  const model = new Sequential(layers, { inputShape: header.inputShape, seed: header.seed, name: header.name });
  model.build();
  const shapes = model.layers.flatMap((l) => l.params.map((p) => ({ layer: l.name, name: p.name, shape: [...p.shape] })));
  if (JSON.stringify(shapes) !== JSON.stringify(header.paramShapes) || model.params.length !== header.paramCount) {
    throw new Error(`${source} does not match its own architecture: parameters ${JSON.stringify(header.paramShapes)} expected, the rebuilt model has ${JSON.stringify(shapes)}`);
  }
  const stateShapes = stateShapesOf(model);
  if (JSON.stringify(stateShapes) !== JSON.stringify(header.stateShapes ?? []) || model.state.length !== (header.stateCount ?? 0)) {
    throw new Error(`${source} does not match its own architecture: state ${JSON.stringify(header.stateShapes ?? [])} expected, the rebuilt model has ${JSON.stringify(stateShapes)}`);
  }
  const dv = new DataView(weights.buffer, weights.byteOffset, weights.byteLength);
  for (let i = 0; i < header.paramCount; i++) model.params[i] = dv.getFloat32(i * 4, true);
  const at = 4 * header.paramCount;
  for (let i = 0; i < model.state.length; i++) model.state[i] = dv.getFloat32(at + i * 4, true);
  return model;
}
