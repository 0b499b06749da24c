// The engine side of the demo, in a module worker so the page never freezes.
//
// Messages in:  {type: 'init', cancelFlag}  then jobs {id, type, ...payload}, one
//               at a time (engine-client.js sends the next only after the last answer).
// Messages out: {type: 'ready', simd}, and per job {id, type: 'progress', ...},
//               then {id, type: 'done', result} or {id, type: 'error', name, message, fatal}.
//
// Long runs (fool, visualize) are cancelled through cancelFlag, an Int32Array on a
// SharedArrayBuffer that the page sets to the id of the job to stop: the engine
// calls onProgress every iteration, and returning false makes it stop with an
// AbortError. Without cross-origin isolation there is no flag; the page then
// terminates this worker instead.
import { loadModel, simdSupported } from '../js/index.js';

// The engine reports every iteration; the page needs no more than ~20 updates a second.
const PROGRESS_INTERVAL_MS = 50;

// Class visualization runs in chunks of this many iterations, each starting from
// the image the last one ended with, so the page can show the image forming. A
// multiple of the engine's blurEvery (10), so the blur falls on the same
// iterations as in one long run; only the random jitter sequence differs.
const VISUALIZE_CHUNK = 10;

let model = null;
let cancelFlag = null;

const isCancelled = (id) => cancelFlag !== null && Atomics.load(cancelFlag, 0) === id;

function liveModel() {
  if (!model) throw new Error('no model is loaded');
  return model;
}

// A progress callback for the engine: posts at most every PROGRESS_INTERVAL_MS and
// returns false (stop) once the page has cancelled job `id`.
function progressReporter(id) {
  let lastPost = -Infinity;
  return (iteration, value) => {
    const now = performance.now();
    if (now - lastPost >= PROGRESS_INTERVAL_MS) {
      lastPost = now;
      postMessage({ id, type: 'progress', iteration, value });
    }
    return !isCancelled(id);
  };
}

// Each job returns [result, transferable buffers].
const jobs = {
  async load(id, { source, card }) {
    const bytes = source instanceof Blob ? new Uint8Array(await source.arrayBuffer()) : source;
    const loaded = await loadModel(bytes, card);
    // The old model stays usable until the new one has loaded.
    model?.dispose();
    model = loaded;
    return [{ inputShape: model.inputShape, numClasses: model.numClasses, card: model.card, simd: model.simd }, []];
  },

  // The prediction, and the saliency map of `target` (default: the top class).
  // A method that does not apply to this model (Grad-CAM without a conv layer)
  // still leaves the prediction: its message comes back as `problem`.
  analyze(id, { x, target, method }) {
    const top = liveModel().topK(x, 5);
    const explained = target ?? top[0].index;
    try {
      const { map, signed } = model.saliency(x, { target: explained, method });
      return [{ top, target: explained, map, signed }, [map.data.buffer]];
    } catch (err) {
      if (err instanceof WebAssembly.RuntimeError) throw err;
      return [{ top, target: explained, problem: err.message }, []];
    }
  },

  fool(id, { x, target, maxIterations }) {
    const report = progressReporter(id);
    const fooled = liveModel().fool(x, {
      target, maxIterations, onProgress: ({ iteration, values }) => report(iteration, values[0]),
    });
    const now = model.topK(fooled.image, 1)[0];
    const result = {
      image: fooled.image, iterations: fooled.iterations[0], success: fooled.success[0],
      l2: fooled.l2[0], linf: fooled.linf[0], now,
    };
    return [result, [fooled.image.data.buffer]];
  },

  visualize(id, { target, iterations, seed }) {
    const report = progressReporter(id);
    let image;
    let score;
    for (let done = 0; done < iterations; done += VISUALIZE_CHUNK) {
      const chunk = Math.min(VISUALIZE_CHUNK, iterations - done);
      const out = liveModel().visualizeClass(target, {
        iterations: chunk, seed: seed + done, init: image,
        onProgress: ({ iteration, values }) => report(done + iteration + 1, values[0]),
      });
      image = out.image;
      score = out.logits.data[target];
      postMessage({ id, type: 'progress', iteration: done + chunk, value: score, image });
    }
    return [{ image, score }, []];
  },
};

async function runJob({ id, type, ...payload }) {
  try {
    const [result, transfer] = await jobs[type](id, payload);
    postMessage({ id, type: 'done', result }, transfer);
  } catch (err) {
    // A trap inside WebAssembly may leave the engine's memory inconsistent: the
    // page restarts this worker rather than keep using it.
    const fatal = err instanceof WebAssembly.RuntimeError;
    postMessage({ id, type: 'error', name: err.name, message: err.message, fatal });
  }
}

onmessage = ({ data }) => {
  if (data.type === 'init') {
    cancelFlag = data.cancelFlag ?? null;
    postMessage({ type: 'ready', simd: simdSupported() });
  } else {
    runJob(data);
  }
};
