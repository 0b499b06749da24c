// createWorker(): the engine in a worker thread (a browser module Worker or a Node
// worker_thread), with Model's methods returning promises, so that the page or the
// Node event loop stays free while the engine computes.
//
// Jobs run one at a time, in the order they were made. Cancelling a job (its
// `signal` aborts, or its onProgress returns false):
// - a queued job is dropped;
// - a running fool or visualizeClass stops within an iteration: this side writes
//   the job's id into an Int32Array on a SharedArrayBuffer that the thread reads
//   in the engine's progress callback. Browsers share memory with a worker only
//   on cross-origin isolated pages; Node always can. Without shared memory the
//   thread is terminated and a new one started, which reloads the models (and
//   redoes randomizeLayer) before the next job;
// - any other running job (the engine gives it no progress callback) rejects at
//   once; the thread finishes it and its result is dropped.
// A cancelled job rejects with an AbortError (a GradlensError with code 'cancelled').
// A thread that crashes (an uncaught error, a trap in WebAssembly) is restarted the
// same way, MAX_CONSECUTIVE_CRASHES times at most with no job succeeding in between.
import { isNode, nodeModule } from './runtime.js';
import { INTERRUPTIBLE, cancelledError, errorFromMessage } from './worker-protocol.js';

const MAX_CONSECUTIVE_CRASHES = 3;
// The Node thread's script, out of sight of bundlers: a literal `new URL()` here
// would make them copy the script as a raw file next to the bundled one.
const NODE_THREAD_SCRIPT = './worker-thread.js';

/** A browser module Worker or a Node worker_thread running worker-thread.js, behind one interface. */
async function startThread(onMessage, onFailure) {
  if (!isNode) {
    // Written out whole so that bundlers find the worker script and bundle it.
    const worker = new Worker(new URL('./worker-thread.js', import.meta.url), { type: 'module' });
    worker.onmessage = ({ data }) => onMessage(data);
    worker.onerror = (event) => {
      event.preventDefault();
      onFailure(event.message || 'the engine worker failed to start');
    };
    worker.onmessageerror = () => onFailure('a message from the engine worker could not be read');
    return { post: (message) => worker.postMessage(message), terminate: () => worker.terminate(), busy() {} };
  }
  const { Worker: NodeWorker } = await nodeModule('worker_threads');
  // Threads inherit Node's flags, but refuse --input-type (`node --input-type=module -e`).
  const execArgv = process.execArgv.filter((flag) => !flag.startsWith('--input-type'));
  const worker = new NodeWorker(new URL(NODE_THREAD_SCRIPT, import.meta.url), { execArgv });
  worker.on('message', onMessage);
  worker.on('error', (err) => onFailure(err.message));
  worker.on('messageerror', () => onFailure('a message from the engine thread could not be read'));
  worker.on('exit', (code) => onFailure(`the engine thread exited with code ${code}`));
  // An idle thread does not keep Node running: a script ends after its last job.
  worker.unref();
  return {
    post: (message) => worker.postMessage(message),
    terminate: () => worker.terminate(),
    busy: (on) => (on ? worker.ref() : worker.unref()),
  };
}

const canShareMemory = () => typeof SharedArrayBuffer === 'function' && (isNode || globalThis.crossOriginIsolated === true);

// A model or card source as it can be posted to the thread and posted again after
// a restart: our own copy of bytes, and relative URLs resolved against the page
// (the thread would resolve them against its script).
function portable(source) {
  if (source instanceof URL) return source.href;
  if (typeof source === 'string' && !isNode) return new URL(source, globalThis.document?.baseURI ?? globalThis.location.href).href;
  if (source instanceof ArrayBuffer) return new Uint8Array(source.slice(0));
  if (ArrayBuffer.isView(source)) return new Uint8Array(source.buffer, source.byteOffset, source.byteLength).slice();
  if (source && typeof source === 'object' && !(typeof Blob !== 'undefined' && source instanceof Blob)) {
    return structuredClone(source); // a card object
  }
  return source;
}

/** A model loaded in the worker: Model's methods, each returning a promise. */
class WorkerModel {
  #id;
  #submit;
  #disposed = false;

  constructor(id, info, submit) {
    this.#id = id;
    this.#submit = submit;
    this.inputShape = info.inputShape;
    this.numClasses = info.numClasses;
    this.card = info.card;
    this.labels = info.card.labels;
    this.simd = info.simd;
    this.threads = info.threads;
    this.threadsNote = info.threadsNote;
  }

  // onProgress and signal stay on this side; the other options go to the thread
  // unless the method takes none (predict, topK).
  #call(method, args, { onProgress, signal, ...options } = {}, { takesOptions = true, remember } = {}) {
    if (this.#disposed) return Promise.reject(new Error('this model was disposed'));
    if (takesOptions) args.push(options);
    return this.#submit('call', { model: this.#id, method, args, progress: !!onProgress },
      { onProgress, signal, interruptible: INTERRUPTIBLE.has(method), remember });
  }

  predict(x, options) {
    return this.#call('predict', [x], options, { takesOptions: false });
  }

  topK(x, k = 5, index = 0, options) {
    return this.#call('topK', [x, k, index], options, { takesOptions: false });
  }

  saliency(x, options) {
    return this.#call('saliency', [x], options);
  }

  gradient(x, options) {
    return this.#call('gradient', [x], options);
  }

  fool(x, options) {
    return this.#call('fool', [x], options);
  }

  visualizeClass(target, options) {
    return this.#call('visualizeClass', [target], options);
  }

  randomizeLayer(layer, options) {
    return this.#call('randomizeLayer', [layer], options, { remember: 'randomized' });
  }

  async dispose() {
    if (this.#disposed) return;
    this.#disposed = true;
    // A terminated worker holds no model: nothing is left to free.
    await this.#submit('dispose', { model: this.#id }).catch(() => {});
  }
}

class EngineWorker {
  #engineOptions;
  #onCrash;
  #cancelFlag = canShareMemory() ? new Int32Array(new SharedArrayBuffer(4)) : null;
  #thread = null; // once started
  #generation = 0; // of the thread: events from an earlier one are ignored
  #queue = [];
  #current = null;
  #nextJob = 1;
  #nextModel = 1;
  #models = new Map(); // model id -> {load, randomized: [args], failed}: what a new thread redoes
  #crashes = 0;
  #stopped = null; // the Error every call gets once terminated

  constructor({ onCrash, wasmUrl, ...engineOptions }) {
    this.#onCrash = onCrash;
    this.#engineOptions = { ...engineOptions, wasmUrl: wasmUrl instanceof URL ? wasmUrl.href : wasmUrl };
    this.#start();
  }

  get cancelsInPlace() {
    return this.#cancelFlag !== null;
  }

  /** Loads a model in the worker; resolves with its WorkerModel. */
  async loadModel(source, card, { signal } = {}) {
    const id = this.#nextModel++;
    const load = { model: id, source: portable(source), card: portable(card) };
    const info = await this.#submit('load', load, { signal, remember: 'loaded' });
    return new WorkerModel(id, info, (...args) => this.#submit(...args));
  }

  /** Stops the thread; every pending and later call rejects. */
  terminate() {
    this.#stop(new Error('the worker was terminated'));
  }

  // Queues a job. remember: what a restarted thread must redo once it succeeds
  // ('loaded', 'randomized'); reloads: the model a redone job restores.
  #submit(type, fields, { onProgress, signal, interruptible = false, remember, reloads, front = false } = {}) {
    if (this.#stopped) return Promise.reject(this.#stopped);
    if (type === 'dispose') this.#models.delete(fields.model);
    const failed = this.#models.get(fields.model)?.failed;
    if (failed) return Promise.reject(failed);
    if (signal?.aborted) return Promise.reject(cancelledError());
    const job = { id: this.#nextJob++, type, fields, onProgress, interruptible, remember, reloads };
    const promise = new Promise((resolve, reject) => Object.assign(job, { resolve, reject }));
    if (signal) {
      const abort = () => this.#cancel(job);
      signal.addEventListener('abort', abort, { once: true });
      job.cleanup = () => signal.removeEventListener('abort', abort);
    }
    if (front) this.#queue.unshift(job);
    else this.#queue.push(job);
    this.#pump();
    return promise;
  }

  #finish(job, error, result) {
    if (job.settled) return;
    job.settled = true;
    job.cleanup?.();
    if (error) job.reject(error);
    else job.resolve(result);
  }

  #cancel(job, reason = cancelledError()) {
    if (job.settled || job.cancelled) return;
    job.cancelled = reason;
    const queued = this.#queue.indexOf(job);
    if (queued >= 0) {
      this.#queue.splice(queued, 1);
      this.#finish(job, reason);
    } else if (!job.interruptible) {
      this.#finish(job, reason); // the thread's answer will be dropped
    } else if (this.#cancelFlag) {
      Atomics.store(this.#cancelFlag, 0, job.id); // the thread answers within an iteration
    } else {
      this.#finish(job, reason);
      this.#restart();
    }
  }

  #start() {
    const generation = ++this.#generation;
    const ifCurrent = (handle) => (arg) => {
      if (generation === this.#generation) handle(arg);
    };
    this.#thread = null;
    startThread(ifCurrent((message) => this.#receive(message)), ifCurrent((message) => this.#crash(message))).then(
      (thread) => {
        if (generation !== this.#generation) return thread.terminate();
        thread.post({ type: 'init', engine: this.#engineOptions, cancelFlag: this.#cancelFlag });
        this.#thread = thread;
        this.#pump();
      },
      ifCurrent((err) => this.#stop(err)),
    );
  }

  // A new thread in place of the current one, which reloads the models first.
  // Returns the job that was running, unsettled.
  #restart() {
    this.#thread?.terminate();
    this.#start();
    const running = this.#current;
    this.#current = null;
    const redo = [];
    for (const [id, entry] of this.#models) {
      redo.push(['load', entry.load]);
      for (const args of entry.randomized) redo.push(['call', { model: id, method: 'randomizeLayer', args }]);
    }
    for (const [type, fields] of redo.reverse()) {
      // A failure is handled by #reloadFailed, before the next job is sent.
      this.#submit(type, fields, { front: true, reloads: fields.model }).catch(() => {});
    }
    return running;
  }

  #reloadFailed(id, err) {
    const entry = this.#models.get(id);
    if (!entry || entry.failed) return;
    entry.failed = new Error(`the model could not be reloaded after the engine restarted: ${err.message}`);
    for (const job of this.#queue.filter((queued) => queued.fields.model === id)) this.#cancel(job, entry.failed);
  }

  #crash(message) {
    this.#crashes++;
    if (this.#crashes >= MAX_CONSECUTIVE_CRASHES) {
      this.#stop(new Error(`the engine stopped: it keeps crashing (${message})`));
      this.#onCrash?.({ message, restarted: false });
      return;
    }
    const running = this.#restart();
    if (running) this.#finish(running, new Error(`the engine crashed: ${message}`));
    this.#onCrash?.({ message, restarted: true });
  }

  #stop(error) {
    this.#stopped = error;
    this.#generation++;
    this.#thread?.terminate();
    this.#thread = null;
    for (const job of [this.#current, ...this.#queue]) if (job) this.#finish(job, error);
    this.#current = null;
    this.#queue = [];
  }

  #pump() {
    while (this.#thread && !this.#current && this.#queue.length) {
      const job = this.#queue.shift();
      try {
        this.#thread.post({ id: job.id, type: job.type, ...job.fields });
        this.#current = job;
      } catch (err) {
        this.#finish(job, err); // e.g. an argument that cannot be posted (DataCloneError)
      }
    }
    this.#thread?.busy(this.#current !== null);
  }

  #receive(message) {
    const job = this.#current;
    if (!job || message.id !== job.id) return;
    if (message.type === 'progress') {
      if (job.settled || !job.onProgress) return;
      try {
        if (job.onProgress({ iteration: message.iteration, values: message.values }) === false) this.#cancel(job);
      } catch (err) {
        this.#cancel(job, err);
      }
      return;
    }
    this.#current = null;
    if (message.type === 'done') {
      this.#crashes = 0;
      if (job.cancelled && job.type === 'load') this.#submit('dispose', { model: job.fields.model }, { front: true });
      else this.#remember(job);
      this.#finish(job, job.cancelled, message.result);
    } else {
      const error = errorFromMessage(message.error);
      if (job.reloads) this.#reloadFailed(job.reloads, error);
      // The engine's own AbortError says where it stopped; any other reason stands.
      const stoppedAsAsked = job.cancelled?.code === 'cancelled' && error.code === 'cancelled';
      this.#finish(job, stoppedAsAsked ? error : job.cancelled || error);
    }
    if (message.fatal) this.#crash(message.error.message);
    else this.#pump();
  }

  // What a restarted thread must redo: loaded models and randomized layers.
  #remember({ remember, fields }) {
    if (remember === 'loaded') this.#models.set(fields.model, { load: fields, randomized: [] });
    if (remember === 'randomized') this.#models.get(fields.model)?.randomized.push(fields.args);
  }
}

/**
 * Starts the engine in a worker. Options: those of loadEngine (simd, threads: the
 * engine's other threads run in workers the worker starts; wasmUrl, wasmBinary), and
 * onCrash({message, restarted}) to hear of a thread that crashed (restarted: false
 * once it was given up). Returns {loadModel(source, card, {signal}), terminate(),
 * cancelsInPlace}.
 */
export function createWorker(options = {}) {
  return new EngineWorker(options);
}
