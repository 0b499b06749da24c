// The TF.js peer: predict, tf.grad saliency and one fooling iteration.
//   node bench/peers/tfjs_bench.mjs MANIFEST cpu|wasm OUT.json [name=seconds,...]
// Writes OUT.json (not stdout: TF.js prints its own notices there). A network
// given a budget (run.mjs: the MobileNet v2 on the slow cpu backend) that would
// take longer is skipped with the reason, never timed on fewer runs.
import { writeFileSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { performance } from 'node:perf_hooks';
import { loadGraph } from './tfjs_graph.mjs';
import { benchInput, gradSample, measure, RUNS, TARGET, WARMUP } from './timing.mjs';

const [manifestPath, backend, outPath, budgetArg = ''] = process.argv.slice(2);
// name=seconds,...: networks that may be skipped (all measures, with the reason) when
// 3+20 runs of each measure would take longer than that; every other one is timed in full.
const BUDGETS = Object.fromEntries(budgetArg.split(',').filter(Boolean).map((s) => s.split('=')).map(([n, t]) => [n, Number(t)]));
const require = createRequire(import.meta.url);
const tf = require('@tensorflow/tfjs');
const meta = { version: tf.version.tfjs, backend };

if (backend === 'wasm') {
  const wasm = require('@tensorflow/tfjs-backend-wasm');
  // Node: tfjs-backend-wasm reports no multithreading (WASM_HAS_MULTITHREAD_SUPPORT is
  // false under IS_NODE), so it loads the single-threaded SIMD binary; ask for 1 thread anyway.
  wasm.setThreadsCount(1);
  await tf.setBackend('wasm');
  meta.version_wasm = wasm.version_wasm;
  meta.simd = await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT');
  meta.multithread = await tf.env().getAsync('WASM_HAS_MULTITHREAD_SUPPORT');
  meta.binary = `tfjs-backend-wasm${meta.multithread ? '-threaded' : ''}${meta.simd ? '-simd' : ''}.wasm`;
  meta.threads = wasm.getThreadsCount();
} else {
  await tf.setBackend('cpu');
  meta.threads = 1; // plain JS on the main thread
}
if (tf.getBackend() !== backend) throw new Error(`asked for ${backend}, got ${tf.getBackend()}`);

async function bench(entry) {
  const net = loadGraph(tf, entry.graph, entry.weights);
  const x = tf.tensor(benchInput(entry.input_shape), entry.input_shape);
  const logit = (input) => tf.reshape(tf.slice(net.forward(input), [0, TARGET], [1, 1]), []);
  const gradOf = tf.grad(logit); // d logits[0, TARGET] / d x; weights are constants, not variables
  const predict = () => tf.tidy(() => tf.softmax(net.forward(x))).dataSync();
  const saliency = () => tf.tidy(() => {
    const g = gradOf(x);
    return [g.dataSync(), tf.max(tf.abs(g), 1).dataSync()]; // the map as gradlens returns it
  });
  const foolIteration = () => tf.tidy(() => {
    const g = gradOf(x); // cs231n: x += g / ||g||_2, pixels kept in [0, 1]
    return tf.clipByValue(tf.add(x, tf.div(g, tf.norm(g))), 0, 1).dataSync();
  });

  const result = { check: {} };
  result.check.logits = Array.from(tf.tidy(() => net.forward(x)).dataSync());
  try {
    Object.assign(result.check, gradSample(tf.tidy(() => gradOf(x)).dataSync()));
  } catch (e) {
    result.check.grad_error = String(e.message).split('\n')[0];
  }
  const fns = { predict, saliency, fool_iteration: foolIteration };
  try {
    const budget = BUDGETS[entry.name];
    if (budget) {
      // One probe run of each measure: if WARMUP+RUNS of them all would exceed the
      // budget, skip the network on this backend with the probe times as the reason.
      const probe = {};
      for (const [name, fn] of Object.entries(fns)) {
        const t0 = performance.now();
        try { fn(); } catch { /* timed below, where the error is recorded */ }
        probe[name] = Math.round(performance.now() - t0);
      }
      const projected = Object.values(probe).reduce((a, b) => a + b, 0) * (WARMUP + RUNS) / 1000;
      if (projected > budget) {
        const skipped = `one run each took ${JSON.stringify(probe)} ms, so ${WARMUP}+${RUNS} runs would take ~${projected.toFixed(0)} s (> ${budget} s)`;
        for (const name of Object.keys(fns)) result[name] = { skipped };
        return result;
      }
    }
    for (const [name, fn] of Object.entries(fns)) result[name] = await measure(fn);
    return result;
  } finally {
    x.dispose();
    net.dispose();
  }
}

const out = { meta, networks: {} };
for (const entry of JSON.parse(readFileSync(manifestPath, 'utf8'))) {
  if (entry.skipped) continue;
  const t0 = performance.now();
  try {
    out.networks[entry.name] = await bench(entry);
  } catch (e) {
    out.networks[entry.name] = { error: String(e?.message ?? e).split('\n')[0] };
  }
  console.error(`tfjs-${backend} ${entry.name}: ${((performance.now() - t0) / 1000).toFixed(1)} s`);
}
writeFileSync(outPath, JSON.stringify(out));
