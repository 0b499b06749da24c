// What every JS peer shares with torch_bench.py and bench/bench.mjs: the input,
// the target class, and the timing rule (median of 20 runs after 3 warm-ups).
import { performance } from 'node:perf_hooks';

export const WARMUP = 3;
export const RUNS = 20;
export const TARGET = 1;

/** pixel k = (k*7919 % 255)/255 over the NCHW tensor, as bench/bench.mjs feeds gradlens. */
export function benchInput(shape) {
  const n = shape.reduce((a, b) => a * b, 1);
  return new Float32Array(n).map((_, k) => ((k * 7919) % 255) / 255);
}

/** Median ms of fn (sync or async) over RUNS timed runs, after WARMUP untimed ones. */
export async function medianMs(fn) {
  for (let k = 0; k < WARMUP; k++) await fn();
  const times = [];
  for (let k = 0; k < RUNS; k++) {
    const t0 = performance.now();
    await fn();
    times.push(performance.now() - t0);
  }
  return times.sort((a, b) => a - b)[RUNS >> 1];
}

/** Every stride-th gradient entry, the same sample torch_bench.py keeps. */
export function gradSample(grad) {
  const stride = Math.max(1, Math.floor(grad.length / 1000));
  const sample = [];
  for (let k = 0; k < grad.length; k += stride) sample.push(grad[k]);
  let l2 = 0;
  for (const g of grad) l2 += g * g;
  return { grad_sample: sample, grad_stride: stride, grad_l2: Math.sqrt(l2) };
}

/** A measure that threw becomes {error} so the other figures survive. */
export async function measure(fn) {
  try {
    return await medianMs(fn);
  } catch (e) {
    return { error: String(e?.message ?? e).split('\n')[0] };
  }
}
