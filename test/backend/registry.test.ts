// Backend selection: 'wasm' is the default where it loads, SCRATCHNET_BACKEND forces a choice,
// and setBackend names both.

import { getBackend, listBackends, setBackend, shutdownWasm } from '../../lib/backend';

afterAll(() => shutdownWasm());

describe('backend registry', () => {
  test('wasm is registered and selected by default', () => {
    expect(listBackends()).toEqual(expect.arrayContaining(['reference', 'wasm']));
    expect(getBackend().name).toBe(process.env.SCRATCHNET_BACKEND ?? 'wasm');
  });

  test('setBackend switches between wasm (one shared instance) and reference', () => {
    const saved = getBackend().name;
    const w = setBackend('wasm');
    expect(w.name).toBe('wasm');
    expect(setBackend('wasm')).toBe(w);
    expect(setBackend('reference').name).toBe('reference');
    expect(() => setBackend('gpu')).toThrow(/unknown backend 'gpu'/);
    setBackend(saved);
  });

  test('without kernels.wasm the default is silently the reference, and setBackend(\'wasm\') says why', () => {
    const saved = process.env.SCRATCHNET_BACKEND;
    delete process.env.SCRATCHNET_BACKEND;
    try {
      jest.isolateModules(() => {
        jest.doMock('fs', () => {
          const real = jest.requireActual<typeof import('fs')>('fs');
          return { ...real, existsSync: (p: string) => (String(p).endsWith('kernels.wasm') ? false : real.existsSync(p)) };
        });
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        const fresh = require('../../lib/backend') as typeof import('../../lib/backend');
        expect(fresh.getBackend().name).toBe('reference');
        expect(() => fresh.setBackend('wasm')).toThrow(/wasm backend unavailable: kernels\.wasm not found .*npm run build/);
      });
    } finally {
      jest.dontMock('fs');
      if (saved !== undefined) process.env.SCRATCHNET_BACKEND = saved;
    }
  });

  test('SCRATCHNET_BACKEND=reference forces the reference backend', () => {
    const saved = process.env.SCRATCHNET_BACKEND;
    process.env.SCRATCHNET_BACKEND = 'reference';
    try {
      jest.isolateModules(() => {
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        const fresh = require('../../lib/backend') as typeof import('../../lib/backend');
        expect(fresh.getBackend().name).toBe('reference');
        expect(fresh.setBackend('wasm').name).toBe('wasm'); // still selectable explicitly
        fresh.shutdownWasm();
      });
    } finally {
      if (saved === undefined) delete process.env.SCRATCHNET_BACKEND;
      else process.env.SCRATCHNET_BACKEND = saved;
    }
  });
});
