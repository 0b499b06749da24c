// The onnxruntime-web peer: predict only (ORT has no input gradient).
//   node bench/peers/ort_bench.mjs MANIFEST THREADS OUT.json
// One process per thread count: ort.env.wasm.numThreads is read once, when the
// wasm module starts, so 1 and 2 threads cannot share a process.
// An fp16 model (the SqueezeNet) is timed on the exact fp32 copy export_graph.py
// made, since gradlens and the other peers compute in fp32: ORT does run the fp16
// file, with fp16 tensors, about 2x slower here. That time is kept beside it as
// predict_fp16_file.
import { readFileSync, writeFileSync } from 'node:fs';
import * as ort from 'onnxruntime-web';
import { benchInput, measure } from './timing.mjs';

const [manifestPath, threads, outPath] = process.argv.slice(2);
ort.env.wasm.numThreads = Number(threads);
ort.env.wasm.simd = true; // fixed-width SIMD, checked at start (the default, said explicitly)
ort.env.logLevel = 'error';

// float32 -> IEEE half bits (Node 20 has no Float16Array); round to nearest, no subnormals: inputs are in [0, 1].
function toHalfBits(f32) {
  const bits = new Uint32Array(Float32Array.from(f32).buffer);
  return Uint16Array.from(bits, (x) => {
    const sign = (x >>> 16) & 0x8000;
    const exp = ((x >>> 23) & 0xff) - 112;
    return exp <= 0 ? sign : (sign | (exp << 10) | ((x & 0x7fffff) >>> 13)) + ((x >>> 12) & 1);
  });
}

async function timeFp16File(entry) {
  try {
    const session = await ort.InferenceSession.create(entry.onnx, { executionProviders: ['wasm'], graphOptimizationLevel: 'all' });
    const feeds = { [session.inputNames[0]]: new ort.Tensor('float16', toHalfBits(benchInput(entry.input_shape)), entry.input_shape) };
    const ms = await measure(() => session.run(feeds));
    await session.release();
    return ms;
  } catch (e) {
    return { error: String(e?.message ?? e).split('\n')[0] };
  }
}

// The Node build loads ort-wasm-simd-threaded.{mjs,wasm}, the only wasm build 1.2x ships:
// one binary for every thread count, numThreads sizes its worker pool.
const meta = { version: ort.env.versions?.web ?? 'unknown', numThreads: Number(threads), simd: true,
  executionProvider: 'wasm', binary: 'ort-wasm-simd-threaded.wasm' };
const out = { meta, networks: {} };
for (const entry of JSON.parse(readFileSync(manifestPath, 'utf8'))) {
  if (entry.skipped) continue;
  const t0 = performance.now();
  try {
    const session = await ort.InferenceSession.create(entry.ort_onnx, { executionProviders: ['wasm'], graphOptimizationLevel: 'all' });
    const feeds = { [session.inputNames[0]]: new ort.Tensor('float32', benchInput(entry.input_shape), entry.input_shape) };
    const first = await session.run(feeds);
    // Output 0: logits, or probabilities where the model ends in Softmax; run.mjs compares accordingly.
    const check = { output: session.outputNames[0], values: Array.from(first[session.outputNames[0]].data), fp32_copy: entry.ort_onnx !== entry.onnx };
    out.networks[entry.name] = { predict: await measure(() => session.run(feeds)), check };
    await session.release();
    if (entry.fp16) out.networks[entry.name].predict_fp16_file = await timeFp16File(entry);
  } catch (e) {
    out.networks[entry.name] = { predict: { error: String(e?.message ?? e).split('\n')[0] } };
  }
  console.error(`ort-web-${threads}t ${entry.name}: ${((performance.now() - t0) / 1000).toFixed(1)} s`);
}
writeFileSync(outPath, JSON.stringify(out));
