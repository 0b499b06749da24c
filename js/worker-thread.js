// The engine in a worker thread, for createWorker (worker.js): a browser module
// Worker or a Node worker_thread. Protocol: worker-protocol.js. It holds the
// models by the caller's ids and runs the jobs one at a time, as they come.
import { loadEngine } from './engine.js';
import { loadModel } from './index.js';
import { isNode, nodeModule } from './runtime.js';
import { INTERRUPTIBLE, cancelledError, errorToMessage } from './worker-protocol.js';

// The engine calls back every iteration; a page needs no more than ~20 updates a second.
const PROGRESS_INTERVAL_MS = 50;

const models = new Map();
let engineReady = null;
let cancelFlag = null;

const isCancelled = (id) => cancelFlag !== null && Atomics.load(cancelFlag, 0) === id;

function modelById(id) {
  const model = models.get(id);
  if (!model) throw new Error('this model was disposed');
  return model;
}

/** The ArrayBuffers under the typed arrays in value: results are moved, not copied. */
function transferables(value, found = new Set()) {
  if (ArrayBuffer.isView(value)) found.add(value.buffer);
  else if (value && typeof value === 'object') for (const item of Object.values(value)) transferables(item, found);
  return [...found];
}

// Posts progress at most every PROGRESS_INTERVAL_MS and tells the engine to stop
// (returns false) once the caller has flagged job `id`.
function progressReporter(post, id, report) {
  let lastPost = -Infinity;
  return ({ iteration, values }) => {
    const now = performance.now();
    if (report && now - lastPost >= PROGRESS_INTERVAL_MS) {
      lastPost = now;
      post({ id, type: 'progress', iteration, values });
    }
    return !isCancelled(id);
  };
}

const jobs = {
  async load({ model: id, source, card }) {
    const model = await loadModel(source, card);
    models.set(id, model);
    return {
      inputShape: model.inputShape, numClasses: model.numClasses, card: model.card, simd: model.simd,
      threads: model.threads, threadsNote: model.threadsNote,
    };
  },

  call({ id, model, method, args, progress }, post) {
    if (INTERRUPTIBLE.has(method) && (progress || cancelFlag)) {
      args[1] = { ...args[1], onProgress: progressReporter(post, id, progress) };
    }
    return modelById(model)[method](...args);
  },

  dispose({ model }) {
    models.get(model)?.dispose();
    models.delete(model);
  },
};

async function run(message, post) {
  try {
    if (isCancelled(message.id)) throw cancelledError();
    await engineReady;
    const result = await jobs[message.type](message, post);
    post({ id: message.id, type: 'done', result }, transferables(result));
  } catch (err) {
    // A trap inside WebAssembly may leave the engine's memory inconsistent: the
    // caller's side restarts this thread rather than keep using it.
    post({ id: message.id, type: 'error', error: errorToMessage(err), fatal: err instanceof WebAssembly.RuntimeError });
  }
}

function serve(post, listen) {
  listen((message) => {
    if (message.type === 'init') {
      cancelFlag = message.cancelFlag;
      engineReady = loadEngine(message.engine);
      engineReady.catch(() => {}); // reported by each job that awaits it
    } else {
      run(message, post);
    }
  });
}

if (isNode) {
  nodeModule('worker_threads').then(({ parentPort }) => serve(
    (message, transfer) => parentPort.postMessage(message, transfer),
    (handle) => parentPort.on('message', handle),
  ));
} else {
  serve((message, transfer) => self.postMessage(message, transfer), (handle) => {
    self.onmessage = ({ data }) => handle(data);
  });
}
