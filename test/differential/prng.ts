// A small seeded PRNG (mulberry32) so that every differential run is reproducible from its seed.

export interface Random {
  /** uniform in [0, 1) */
  next(): number;
  /** uniform integer in [lo, hi] */
  int(lo: number, hi: number): number;
  /** true with probability p */
  chance(p: number): boolean;
  pick<T>(items: readonly T[]): T;
  /** picks by weight: [[weight, value], …] */
  weighted<T>(choices: readonly (readonly [number, T])[]): T;
  /** n distinct items in random order (fewer when the list is shorter) */
  sample<T>(items: readonly T[], n: number): T[];
  /** a fresh 32-bit seed for a sub-generator */
  seed(): number;
}

export function createRandom(seed: number): Random {
  let state = seed >>> 0;
  const next = (): number => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (lo: number, hi: number): number => lo + Math.floor(next() * (hi - lo + 1));
  const pick = <T>(items: readonly T[]): T => {
    if (items.length === 0) throw new Error('pick from an empty list');
    return items[int(0, items.length - 1)] as T;
  };
  return {
    next,
    int,
    chance: (p) => next() < p,
    pick,
    weighted: <T>(choices: readonly (readonly [number, T])[]): T => {
      const total = choices.reduce((sum, [w]) => sum + w, 0);
      let x = next() * total;
      for (const [w, value] of choices) {
        if (x < w) return value;
        x -= w;
      }
      const last = choices[choices.length - 1];
      if (!last) throw new Error('weighted pick from an empty list');
      return last[1];
    },
    sample: <T>(items: readonly T[], n: number): T[] => {
      const copy = [...items];
      for (let i = copy.length - 1; i > 0; i--) {
        const j = int(0, i);
        [copy[i], copy[j]] = [copy[j] as T, copy[i] as T];
      }
      return copy.slice(0, n);
    },
    seed: () => Math.floor(next() * 4294967296) >>> 0,
  };
}

/** Derives the seed of the n-th item of a run from the run seed (splitmix-style mixing). */
export function deriveSeed(runSeed: number, n: number): number {
  let x = (runSeed ^ Math.imul(n + 1, 0x9e3779b9)) >>> 0;
  x = Math.imul(x ^ (x >>> 16), 0x85ebca6b) >>> 0;
  x = Math.imul(x ^ (x >>> 13), 0xc2b2ae35) >>> 0;
  return (x ^ (x >>> 16)) >>> 0;
}
