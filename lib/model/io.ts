// Saving and loading a Sequential model: one file holding a JSON header (architecture, shapes,
// checksum) and the raw float32 weights, little-endian, so a round trip is bit-exact.
//
// Layout:  "SCRATCHN" (8 bytes) | u32 LE header length H | H bytes of UTF-8 JSON | zero padding to
//          a multiple of 4 | P float32 LE values (the flat parameter buffer, layer order) | S float32
//          LE values (the flat non-trainable state, e.g. BatchNorm's running statistics; S = 0 and
//          no stateCount in the header for models without any, so older files read the same).
// Layers are recorded by their registered name (registerLayer), never by constructor.name.
// The header records the SHA-256 of the weight (and state) bytes; a file that disagrees is refused.

import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { layerFromConfig, type LayerConfig } from '../layers';
import { writeFileAtomic } from '../node/fs';
import { Sequential } from './sequential';

const MAGIC = Buffer.from('SCRATCHN', 'ascii');
const FORMAT = 'scratchnet-model';
const VERSION = 1;

interface Header {
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

const littleEndian = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

function weightBytes(params: Float32Array): Buffer {
  const bytes = Buffer.from(params.buffer, params.byteOffset, params.byteLength);
  if (littleEndian) return Buffer.from(bytes); // a copy: params may live in shared memory
  const out = Buffer.alloc(params.byteLength);
  for (let i = 0; i < params.length; i++) out.writeFloatLE(params[i], i * 4);
  return out;
}

/** Saves a built model to path (atomically: a temp file renamed into place). */
export function saveModel(model: Sequential, path: string, metadata?: Record<string, unknown>): string {
  model.build();
  const weights = model.state.length > 0 ? Buffer.concat([weightBytes(model.params), weightBytes(model.state)]) : weightBytes(model.params);
  const stateShapes = stateShapesOf(model);
  const header: Header = {
    format: FORMAT,
    version: VERSION,
    name: model.name,
    seed: model.seed,
    inputShape: [...model.inputShape!],
    layers: model.layers.map((l) => l.toConfig()),
    paramShapes: model.layers.flatMap((l) => l.params.map((p) => ({ layer: l.name, name: p.name, shape: [...p.shape] }))),
    paramCount: model.params.length,
    ...(model.state.length > 0 ? { stateShapes, stateCount: model.state.length } : {}),
    sha256: createHash('sha256').update(weights).digest('hex'),
    ...(metadata ? { metadata } : {}),
  };
  const json = Buffer.from(JSON.stringify(header), 'utf8');
  const len = Buffer.alloc(4);
  len.writeUInt32LE(json.length, 0);
  const pad = Buffer.alloc((4 - ((MAGIC.length + 4 + json.length) % 4)) % 4);
  return writeFileAtomic(path, Buffer.concat([MAGIC, len, json, pad, weights]));
}

/** The metadata stored with a model file, without building the model. */
export function readModelHeader(path: string): Header {
  return parseModelFile(path).header;
}

function parseModelFile(path: string): { header: Header; weights: Buffer } {
  if (!existsSync(path)) throw new Error(`model file ${path} does not exist`);
  const buf = readFileSync(path);
  const fail = (what: string): never => {
    throw new Error(`model file ${path} is not a valid scratchnet model: ${what}`);
  };
  if (buf.length < 12 || !buf.subarray(0, 8).equals(MAGIC)) fail(`expected it to start with "SCRATCHN", found ${JSON.stringify(buf.subarray(0, 8).toString('latin1'))}`);
  const hlen = buf.readUInt32LE(8);
  if (12 + hlen > buf.length) fail(`header claims ${hlen} bytes but the file has ${buf.length - 12} after the length field (truncated?)`);
  let header: Header;
  try {
    header = JSON.parse(buf.subarray(12, 12 + hlen).toString('utf8')) as Header;
  } catch (err) {
    return fail(`header is not JSON (${(err as Error).message})`);
  }
  if (header.format !== FORMAT) fail(`format is ${JSON.stringify(header.format)}, expected "${FORMAT}"`);
  if (header.version !== VERSION) fail(`version ${header.version}, this scratchnet reads version ${VERSION}`);
  const start = 12 + hlen + ((4 - ((12 + hlen) % 4)) % 4);
  const stateCount = header.stateCount ?? 0;
  const expected = start + 4 * (header.paramCount + stateCount);
  if (buf.length !== expected) fail(`expected ${expected} bytes for ${header.paramCount} weights and ${stateCount} state values, found ${buf.length} (truncated or corrupt)`);
  const weights = buf.subarray(start);
  const sha = createHash('sha256').update(weights).digest('hex');
  if (sha !== header.sha256) fail(`weight checksum mismatch: header says sha256 ${header.sha256}, the weights hash to ${sha}`);
  return { header, weights };
}

/** Loads a model saved by saveModel; weights are restored bit-exactly. */
export function loadModel(path: string): Sequential {
  const { header, weights } = parseModelFile(path);
  const layers = header.layers.map((l) => layerFromConfig(l.className, l.config));
  const model = new Sequential(layers, { inputShape: header.inputShape, seed: header.seed, name: header.name });
  model.build();
  const shapes = model.layers.flatMap((l) => l.params.map((p) => ({ layer: l.name, name: p.name, shape: [...p.shape] })));
  if (JSON.stringify(shapes) !== JSON.stringify(header.paramShapes) || model.params.length !== header.paramCount) {
    throw new Error(`model file ${path} does not match its own architecture: parameters ${JSON.stringify(header.paramShapes)} expected, the rebuilt model has ${JSON.stringify(shapes)}`);
  }
  const stateShapes = stateShapesOf(model);
  if (JSON.stringify(stateShapes) !== JSON.stringify(header.stateShapes ?? []) || model.state.length !== (header.stateCount ?? 0)) {
    throw new Error(`model file ${path} does not match its own architecture: state ${JSON.stringify(header.stateShapes ?? [])} expected, the rebuilt model has ${JSON.stringify(stateShapes)}`);
  }
  for (let i = 0; i < header.paramCount; i++) model.params[i] = weights.readFloatLE(i * 4);
  const at = 4 * header.paramCount;
  for (let i = 0; i < model.state.length; i++) model.state[i] = weights.readFloatLE(at + i * 4);
  return model;
}

function stateShapesOf(model: Sequential): { layer: string; name: string; shape: number[] }[] {
  return model.layers.flatMap((l) => l.states.map((s) => ({ layer: l.name, name: s.name, shape: [...s.shape] })));
}
