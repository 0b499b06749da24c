// `make bench`: median milliseconds of predict (forward) and saliency (forward +
// backward to the pixels) in Node, one thread, on the fixture networks and, where
// ../shared/realdata exists, the real SqueezeNet 1.1 and MobileNet v2 at 224x224.
// Run once per build: node bench/bench.mjs simd|baseline
import { existsSync, readFileSync } from 'node:fs';
import { loadEngine, loadModel } from '../js/index.js';

const build = process.argv[2] === 'baseline' ? 'baseline' : 'simd';
await loadEngine({ simd: build === 'simd' });
const here = (p) => new URL(p, import.meta.url);
const real = here('../../shared/realdata/models/');
const RUNS = 20;

function median(fn) {
  for (let k = 0; k < 3; k++) fn(); // warm-up: JIT tiers, first-call allocation
  const times = [];
  for (let k = 0; k < RUNS; k++) {
    const t0 = performance.now();
    fn();
    times.push(performance.now() - t0);
  }
  return times.sort((a, b) => a - b)[RUNS >> 1];
}

const networks = ['lenet', 'tinycnn', 'resnet', 'squeezenet', 'mobilenet'].map((name) => ({
  name: `fixture ${name}`, source: here(`../tests/fixtures/${name}.onnx`), card: JSON.parse(readFileSync(here(`../tests/fixtures/${name}.json`))),
}));
for (const name of ['squeezenet1.1_fp16', 'mobilenet_v2_1.0_224_float']) {
  if (existsSync(new URL(`${name}.onnx`, real))) networks.push({ name, source: new URL(`${name}.onnx`, real), card: null });
  else console.log(`(skipping ${name}: ../shared/realdata is absent)`);
}

console.log(`\n| network (${build}, 1 thread) | input | predict ms | saliency ms |`);
console.log('|---|---|---:|---:|');
for (const { name, source, card } of networks) {
  const model = await loadModel(source, card);
  const [, c, h, w] = model.inputShape;
  const x = { data: new Float32Array(c * h * w).map((_, k) => (k * 7919 % 255) / 255), shape: [1, c, h, w] };
  const predict = median(() => model.predict(x));
  const saliency = median(() => model.saliency(x, { target: 1 }));
  console.log(`| ${name} | ${c}x${h}x${w} | ${predict.toFixed(2)} | ${saliency.toFixed(2)} |`);
  model.dispose();
}
