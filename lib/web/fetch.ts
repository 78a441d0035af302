// Fetching a model file or a (gzip'd) IDX file by URL: what reading from disk is on Node. Uses only
// web-standard APIs (fetch, DecompressionStream), which Node 20 has too, so it is tested there.

import { parseIdx, isGzip, type IdxArray } from '../data/idx';
import { modelFromBytes } from '../model/io';
import type { Sequential } from '../model/sequential';

/** The body of url as bytes; a non-2xx answer throws with the status. */
export async function fetchBytes(url: string | URL): Promise<Uint8Array> {
  const res = await fetch(url);
  if (!res.ok) throw new Error(`${url}: HTTP ${res.status} ${res.statusText}, expected 200`);
  return new Uint8Array(await res.arrayBuffer());
}

/** Gunzips bytes with the platform's DecompressionStream, or returns them as they are when not gzip'd. */
async function gunzip(bytes: Uint8Array, source: string): Promise<Uint8Array> {
  if (!isGzip(bytes)) return bytes;
  try {
    const stream = new Blob([bytes as Uint8Array<ArrayBuffer>]).stream().pipeThrough(new DecompressionStream('gzip'));
    return new Uint8Array(await new Response(stream).arrayBuffer());
  } catch (e) {
    throw new Error(`${source}: gzip data could not be decompressed (truncated or corrupt?): ${(e as Error).message}`);
  }
}

/** An IDX file (raw or gzip'd) fetched from url and decoded; `limit` keeps the first rows only. */
export async function fetchIdx(url: string | URL, limit?: number): Promise<IdxArray> {
  return parseIdx(await gunzip(await fetchBytes(url), String(url)), String(url), limit);
}

/** A model file (saved by `saveModel`, the CLI's --save-model, or modelToBytes) fetched from url. */
export async function fetchModel(url: string | URL): Promise<Sequential> {
  return modelFromBytes(await fetchBytes(url), `model file ${url}`);
}
