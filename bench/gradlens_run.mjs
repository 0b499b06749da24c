// One gradlens configuration on one network, in its own process (the engine loads
// once per process, and wasm memory never shrinks, so the process's final memory size
// is that network's peak). Prints one JSON object; bench/bench.mjs runs this.
//
//   node bench/gradlens_run.mjs <simd|baseline|threads2> <network.onnx> [--profile]
//
// Measures (median ms of RUNS after WARMUP, the protocol of bench/peers/timing.mjs):
// predict; saliency (forward + backward to the pixels + the map); one fooling
// iteration (forward + backward + step: from fool() capped at FOOL_ITERATIONS, minus
// its final forward, per iteration done); peak wasm memory after those; saliency of a
// batch of BATCH images, per image. --profile adds per-layer GFLOP/s of the
// convolutions over PROFILE_RUNS saliency calls.
import { loadEngine, loadModel } from '../js/index.js';
import { RUNS, TARGET, WARMUP, benchInput, medianMs } from './peers/timing.mjs';

const BATCH = 8;
const FOOL_ITERATIONS = 5;
const PROFILE_RUNS = 10;

const [config, path, flag] = process.argv.slice(2);
const engine = await loadEngine(config === 'baseline' ? { simd: false, threads: 1 }
  : { simd: true, threads: config === 'threads2' ? 2 : 1 });
const model = await loadModel(new URL(path, 'file:///'), null);
const [, c, h, w] = model.inputShape;
const x = { data: benchInput([1, c, h, w]), shape: [1, c, h, w] };

const predict = await medianMs(() => model.predict(x));
const saliency = await medianMs(() => model.saliency(x, { target: TARGET }));
const label = model.topK(x, 1)[0].index;
const foolTarget = label === TARGET ? (TARGET + 1) % model.numClasses : TARGET;
let iterations = 0;
const foolTotal = await medianMs(() => {
  iterations = model.fool(x, { target: foolTarget, maxIterations: FOOL_ITERATIONS }).iterations[0];
});
const foolIteration = iterations > 0 ? (foolTotal - predict) / iterations : null;
const peakMB = engine.memory.byteLength / 2 ** 20;

const batch = { data: new Float32Array(BATCH * c * h * w), shape: [BATCH, c, h, w] };
for (let i = 0; i < BATCH; i++) batch.data.set(x.data, i * c * h * w);
const batchPerImage = (await medianMs(() => model.saliency(batch, { target: new Array(BATCH).fill(TARGET) }))) / BATCH;

const result = {
  config, threads: engine.threads, threadsNote: engine.threadsNote, simd: engine.simd,
  predict, saliency, fool_iteration: foolIteration, fool_iterations_done: iterations, peak_mb: peakMB,
  batch: BATCH, saliency_batch_per_image: batchPerImage, runs: RUNS, warmup: WARMUP,
};
if (flag === '--profile') result.layers = convLayers();
console.log(JSON.stringify(result));

/** Forward and backward GFLOP/s of every convolution over PROFILE_RUNS saliency calls. */
function convLayers() {
  const nodes = model.profile(() => {
    for (let k = 0; k < PROFILE_RUNS; k++) model.saliency(x, { target: TARGET });
  });
  const convs = nodes.filter((n) => n.op === 'Conv');
  return convs.map((n, k) => {
    const [cout, , kh, kw] = n.weightShape;
    // a last convolution with one channel per class is the classifier (SqueezeNet's conv10):
    // saliency computes and back-propagates its target's channel alone, so it has a row of its own
    const classifier = k === convs.length - 1 && cout === model.numClasses;
    const kind = classifier ? 'classifier'
      : { winograd: `${kh}x${kw} Winograd`, 'pointwise gemm': 'pointwise', depthwise: 'depthwise' }[n.algorithm]
        ?? `${kh}x${kw} im2col`;
    return {
      name: n.name, kind, cout, mflops: n.flops / 1e6,
      forward_ms: n.forwardMs / n.forwardImages, backward_ms: n.backwardImages ? n.backwardMs / n.backwardImages : null,
    };
  });
}
