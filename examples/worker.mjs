// Node: the engine in a worker thread (worker_threads), so that the event loop
// stays free. Progress while fooling; a run cancelled with an AbortSignal.
//
//   node worker.mjs
import { SHIPPED_MODELS } from 'gradlens/models';
import { createWorker } from 'gradlens/worker';

const worker = createWorker();
const model = await worker.loadModel(SHIPPED_MODELS.mnist.model, SHIPPED_MODELS.mnist.card);
const black = { data: new Float32Array(28 * 28), shape: [1, 1, 28, 28] };

// Push a black image towards "3", reporting P(3) at most every 50 ms.
const fooled = await model.fool(black, {
  target: 3, maxIterations: 200,
  onProgress: ({ iteration, values }) => console.log(`iteration ${iteration}: P(3) = ${values[0].toFixed(3)}`),
});
console.log(`fooled: ${fooled.success[0]}, after ${fooled.iterations[0]} iterations`);

// A long class visualization, stopped after half a second: the promise rejects
// with an AbortError, and the worker goes on answering.
try {
  await model.visualizeClass(8, { iterations: 100_000, signal: AbortSignal.timeout(500) });
} catch (err) {
  console.log(`${err.name}: ${err.message}`);
}
const [best] = await model.topK(fooled.image, 1);
console.log(`the fooling image reads as ${best.label}`);
worker.terminate();
