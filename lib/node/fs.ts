// File writing that never leaves a half-written file: write beside the target, then rename
// (atomic on POSIX within one filesystem). A failure removes the temporary file.

import { mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, basename, join } from 'node:path';

/** Writes data to path atomically, creating the folder if needed; returns path. */
export function writeFileAtomic(path: string, data: string | Uint8Array): string {
  const dir = dirname(path);
  mkdirSync(dir, { recursive: true });
  const tmp = join(dir, `.${basename(path)}.tmp-${process.pid}-${Date.now()}`);
  try {
    writeFileSync(tmp, data);
    renameSync(tmp, path);
  } catch (err) {
    rmSync(tmp, { force: true });
    throw err;
  }
  return path;
}
