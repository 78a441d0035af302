// Node's fs for the browser bundle: the wasm backend's file loading (its only user) finds no files
// here and reports itself unavailable; lib/web/wasm.ts hands it compiled modules instead.
export const existsSync = (_path: string): boolean => false;
export function readFileSync(path: string): never {
  throw new Error(`${path}: there are no files in a browser`);
}
