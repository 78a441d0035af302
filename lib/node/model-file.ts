// Model files on disk: the bytes of lib/model/io.ts written atomically and read back.

import { existsSync, readFileSync } from 'node:fs';
import { modelFromBytes, modelToBytes, parseModelBytes, type ModelHeader } from '../model/io';
import type { Sequential } from '../model/sequential';
import { writeFileAtomic } from './fs';

/** Saves a built model to path (atomically: a temp file renamed into place). Returns path. */
export function saveModel(model: Sequential, path: string, metadata?: Record<string, unknown>): string {
  return writeFileAtomic(path, modelToBytes(model, metadata));
}

function readModelFile(path: string): Uint8Array {
  if (!existsSync(path)) throw new Error(`model file ${path} does not exist`);
  return readFileSync(path);
}

/** The header (architecture, metadata) of a model file, without building the model. */
export function readModelHeader(path: string): ModelHeader {
  return parseModelBytes(readModelFile(path), `model file ${path}`).header;
}

/** Loads a model saved by saveModel (or by modelToBytes anywhere); weights are restored bit-exactly. */
export function loadModel(path: string): Sequential {
  return modelFromBytes(readModelFile(path), `model file ${path}`);
}
