/**
 * Seeded randomness. Every random number of a training run comes from one
 * seed: data sampling, noise, penalties' interpolation, and (through a
 * temporarily seeded Math.random) tfjs' own unseeded ops such as weight
 * initializers and dropout.
 */
import seedrandom from 'seedrandom';

export type Rng = () => number;

export function makeRng(seed: number | string): Rng {
  return seedrandom.alea(String(seed));
}

/** An integer seed for a tfjs random op, drawn from the stream. */
export function nextSeed(rng: Rng): number {
  return Math.floor(rng() * 2 ** 31);
}

/** Standard normal by Box-Muller. */
export function normal(rng: Rng): number {
  let u = 0;
  while (u === 0) u = rng();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rng());
}

/**
 * Runs fn with Math.random replaced by a seeded stream, so that tfjs' unseeded
 * random ops (initializers, dropout) are reproducible. fn must be synchronous.
 */
export function withSeededMathRandom<T>(seed: number | string, fn: () => T): T {
  const original = Math.random;
  Math.random = makeRng(`math:${seed}`);
  try {
    return fn();
  } finally {
    Math.random = original;
  }
}
