// The one source of randomness in scratchnet: a seeded PRNG, so the same seed gives bit-identical
// weights, batch orders and dropout masks on every run and every machine. Never Math.random.
//
// Generator: sfc32 (Chris Doty-Humphrey's Small Fast Chaotic PRNG, from PractRand), 32-bit
// integer arithmetic only, so results do not depend on the JS engine. Seeded through splitmix32.

function splitmix32(state: number): [number, number] {
  state = (state + 0x9e3779b9) | 0;
  let z = state;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
  return [state, (z ^ (z >>> 16)) >>> 0];
}

export class Rng {
  private a: number;
  private b: number;
  private c: number;
  private d: number;
  /** A second normal deviate from Box–Muller, kept for the next call. */
  private spare: number | null = null;

  /** seed: any integer (taken modulo 2^32). */
  constructor(readonly seed: number) {
    if (!Number.isFinite(seed)) throw new Error(`Rng seed must be a finite number, got ${seed}`);
    let s = seed >>> 0;
    let x: number;
    [s, x] = splitmix32(s); this.a = x;
    [s, x] = splitmix32(s); this.b = x;
    [s, x] = splitmix32(s); this.c = x;
    [s, x] = splitmix32(s); this.d = x;
    for (let i = 0; i < 12; i++) this.nextUint32(); // mix the state before first use
  }

  /** A uniform integer in [0, 2^32). */
  nextUint32(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0;
    this.d = (this.d + 1) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) | 0;
    return t >>> 0;
  }

  /** A uniform float in [0, 1). */
  uniform(): number {
    return this.nextUint32() / 4294967296;
  }

  /** A uniform integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.uniform() * n);
  }

  /** A standard normal deviate (Box–Muller, both values used). */
  normal(): number {
    if (this.spare !== null) {
      const s = this.spare;
      this.spare = null;
      return s;
    }
    let u = 0;
    while (u === 0) u = this.uniform(); // log(0) would be -Infinity
    const v = this.uniform();
    const r = Math.sqrt(-2 * Math.log(u));
    this.spare = r * Math.sin(2 * Math.PI * v);
    return r * Math.cos(2 * Math.PI * v);
  }

  /** Shuffles arr in place (Fisher–Yates) and returns it. */
  shuffle<T extends { length: number; [i: number]: number }>(arr: T): T {
    for (let i = arr.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      const t = arr[i];
      arr[i] = arr[j];
      arr[j] = t;
    }
    return arr;
  }

  /**
   * Copies the generator's four 32-bit words into out[0..3], so that code elsewhere (a wasm kernel)
   * can continue the same stream; setState takes the words back. Returns out.
   */
  getState(out: Int32Array): Int32Array {
    out[0] = this.a;
    out[1] = this.b;
    out[2] = this.c;
    out[3] = this.d;
    return out;
  }

  /** Continues the stream from four words getState wrote (and code elsewhere advanced). */
  setState(words: Readonly<Int32Array>): this {
    this.a = words[0] | 0;
    this.b = words[1] | 0;
    this.c = words[2] | 0;
    this.d = words[3] | 0;
    return this;
  }

  /** A new generator whose stream is independent of this one's future draws. */
  fork(): Rng {
    return new Rng(this.nextUint32());
  }
}
