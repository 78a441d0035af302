// Node's path for the browser bundle: enough for the wasm backend to name the files it will not find.
export const join = (...parts: string[]): string => parts.join('/');
export const resolve = join;
