// Node's v8 for the browser bundle: the wasm loader asks it to turn on relaxed SIMD, which a browser
// decides for itself; the loader's probe module then says whether the FMA build could be used (the
// browser loader, lib/web/wasm.ts, hands over the plain build only).
export const setFlagsFromString = (_flags: string): void => {};
