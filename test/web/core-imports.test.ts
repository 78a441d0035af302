// The layering rule: everything in lib/ outside lib/node/ is the platform-free core, which a browser
// bundle takes whole. A core file that imports a Node built-in (fs, node:zlib, worker_threads...),
// requires anything, or touches Node-only globals (process, Buffer, __dirname) fails here, naming the
// file and line. Node-only code belongs in lib/node/; what the core needs from its runtime (the wasm
// files, threads, the environment) it takes from the platform the edge installs (lib/backend/platform.ts).
// Type-only imports (erased) and plain-JavaScript packages are allowed. There are no exceptions.

import { builtinModules } from 'node:module';
import * as fs from 'node:fs';
import * as path from 'node:path';

const LIB = path.resolve(__dirname, '../../lib');
const EDGE = path.join(LIB, 'node');
/** lib/index.ts is the Node entry point: the core plus the edge. */
const NODE_ENTRY = path.join(LIB, 'index.ts');
function tsFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) return p === EDGE ? [] : tsFiles(p);
    return e.name.endsWith('.ts') && p !== NODE_ENTRY ? [p] : [];
  });
}

/** Source with comments and string/template contents blanked out, so only code is matched. */
export function codeOnly(src: string): string {
  return src
    .replace(/\/\*[\s\S]*?\*\//g, (m) => m.replace(/[^\n]/g, ' '))
    .replace(/\/\/[^\n]*/g, (m) => ' '.repeat(m.length));
}

const builtins = new Set(builtinModules.flatMap((m) => [m, `node:${m}`]));

/** Every problem in one core file's source: [line, what] pairs. */
export function layeringProblems(src: string): [number, string][] {
  const problems: [number, string][] = [];
  const code = codeOnly(src);
  const lines = code.split('\n');
  lines.forEach((line, i) => {
    // A type-only import is erased when compiled, so it may name the edge (a config type, say);
    // packages are fine when they are plain JavaScript (a browser bundle takes them too).
    const typeOnly = /^\s*(?:import|export)\s+type\b/.test(line);
    for (const m of line.matchAll(/(?:\bfrom\s*|\bimport\s*\(?\s*|\brequire\s*\(\s*)['"]([^'"]+)['"]/g)) {
      const spec = m[1];
      if (builtins.has(spec) || builtins.has(spec.split('/')[0])) problems.push([i + 1, `imports the Node built-in '${spec}'`]);
      else if (spec.startsWith('.') && spec.split('/').includes('node') && !typeOnly) problems.push([i + 1, `imports from the Node edge ('${spec}')`]);
    }
    // A use of the global (process.env, Buffer.from, require(...), __dirname), not a property of the
    // same name (x.process) nor a type (the backend's own Buffer type is a Float32Array).
    for (const m of line.matchAll(/(?<![.\w$])(process|Buffer|require)\s*[.(]|(?<![.\w$])(__dirname|__filename)\b/g)) {
      problems.push([i + 1, `uses the Node global '${m[1] ?? m[2]}'`]);
    }
  });
  return problems;
}

describe('the core (lib/ outside lib/node/) imports nothing from Node', () => {
  const files = tsFiles(LIB);

  test('finds the core files', () => {
    expect(files.length).toBeGreaterThan(30);
    expect(files.some((f) => f.endsWith(path.join('layers', 'dense.ts')))).toBe(true);
  });

  test('the check catches what it must', () => {
    expect(layeringProblems("import { readFileSync } from 'node:fs';")).toEqual([[1, "imports the Node built-in 'node:fs'"]]);
    expect(layeringProblems("import * as fs from 'fs';")).toHaveLength(1);
    expect(layeringProblems("const { Worker } = require('worker_threads');")).toHaveLength(2);
    expect(layeringProblems("import { x } from '../node/fs';")).toEqual([[1, "imports from the Node edge ('../node/fs')"]]);
    expect(layeringProblems("import type { Config } from '../node/experiments/assignment';")).toEqual([]);
    expect(layeringProblems("import type { Stats } from 'node:fs';")).toEqual([[1, "imports the Node built-in 'node:fs'"]]);
    expect(layeringProblems('const t = process.hrtime.bigint();')).toEqual([[1, "uses the Node global 'process'"]]);
    expect(layeringProblems("const b = Buffer.from('x');")).toEqual([[1, "uses the Node global 'Buffer'"]]);
    expect(layeringProblems('// fs is used by lib/node, not here: process.env')).toEqual([]);
    expect(layeringProblems("import type { Buffer } from './backend';\nfunction f(out: Buffer) { return out.length; }")).toEqual([]);
  });

  test('finds the wasm backend\'s loader among them (it once read files and started worker_threads itself)', () => {
    const rel = files.map((f) => path.relative(LIB, f).split(path.sep).join('/'));
    expect(rel).toEqual(expect.arrayContaining(['backend/index.ts', 'backend/wasm/index.ts', 'backend/wasm/step.ts', 'backend/wasm/image.ts', 'backend/wasm/threads.ts', 'web/wasm.ts']));
  });

  test.each(files.map((f) => [path.relative(LIB, f).split(path.sep).join('/'), f]))('%s', (_rel, file) => {
    const problems = layeringProblems(fs.readFileSync(file, 'utf8')).map(([line, what]) => `line ${line}: ${what}`);
    expect(problems).toEqual([]);
  });
});
