// The page's side of the engine worker (worker.js): jobs run one at a time, in
// order; each can be cancelled; a crashed worker is restarted with its model.
//
// Cancelling the job in flight: with cross-origin isolation the page writes the
// job's id into an Int32Array on a SharedArrayBuffer that the worker reads
// (Atomics.load) in the engine's progress callback, which then stops the run
// within an iteration. Without isolation there is no shared memory: the worker is
// terminated and a new one started, which reloads the model first.

// After this many crashes in a row, with no job completing in between, the page
// stops restarting the worker (a model that crashes the engine on load would loop).
const MAX_CONSECUTIVE_CRASHES = 3;

const abortError = (message = 'cancelled') => new DOMException(message, 'AbortError');

function engineError({ name, message }) {
  const err = new Error(message);
  err.name = name;
  return err;
}

export class EngineClient {
  #worker = null;
  #queue = [];
  #current = null;
  #nextId = 1;
  #cancelFlag = globalThis.crossOriginIsolated ? new Int32Array(new SharedArrayBuffer(4)) : null;
  #loaded = null; // {source, card} of the model in the worker, reloaded after a restart
  #crashes = 0;
  #onCrash;
  #onReady;

  /**
   * onReady({simd}): the worker has started (again).
   * onCrash(sentence): the worker died, saying what happened and what was done about it.
   */
  constructor({ onReady, onCrash }) {
    this.#onReady = onReady;
    this.#onCrash = onCrash;
    this.#start();
  }

  /** True when a run stops in place; false when stopping restarts the worker. */
  get cancelsInPlace() {
    return this.#cancelFlag !== null;
  }

  /**
   * Loads a model (source: URL or File/Blob; card: object, URL or null) in place
   * of the current one, cancelling every pending job. Resolves with
   * {inputShape, numClasses, card, simd}; on failure the previous model stays.
   */
  load(source, card) {
    const reason = 'a new model is loading';
    const running = this.#current;
    [...this.#queue].forEach((job) => this.#cancel(job, reason));
    // Queued before the running job is cancelled: a restarted worker then loads
    // this model straight away instead of reloading the old one.
    const job = this.#enqueue('load', { source, card }, {});
    if (running) this.#cancel(running, reason);
    return job.promise.then((info) => {
      this.#loaded = { source, card };
      return info;
    });
  }

  /**
   * Queues a job. onProgress(message) receives the worker's progress messages;
   * replaces: drop queued jobs of the same type (only the newest matters).
   * Returns {promise, cancel}; a cancelled job rejects with an AbortError.
   */
  run(type, payload, { onProgress, replaces = false } = {}) {
    if (replaces) this.#queue.filter((job) => job.type === type).forEach((job) => this.#cancel(job, 'superseded'));
    const job = this.#enqueue(type, payload, { onProgress });
    return { promise: job.promise, cancel: () => this.#cancel(job) };
  }

  #enqueue(type, payload, { onProgress, front = false }) {
    const job = { id: this.#nextId++, type, payload, onProgress, cancelled: false };
    job.promise = new Promise((resolve, reject) => Object.assign(job, { resolve, reject }));
    if (front) this.#queue.unshift(job);
    else this.#queue.push(job);
    this.#pump();
    return job;
  }

  #start() {
    this.#worker = new Worker(new URL('./worker.js', import.meta.url), { type: 'module' });
    this.#worker.onmessage = ({ data }) => this.#receive(data);
    this.#worker.onerror = (event) => {
      event.preventDefault();
      this.#crash(event.message || 'the engine worker failed to start');
    };
    this.#worker.onmessageerror = () => this.#crash('a message from the engine worker could not be read');
    this.#worker.postMessage({ type: 'init', cancelFlag: this.#cancelFlag });
    // A new worker has no model: reload it first, unless a new model is loading anyway.
    if (this.#loaded && this.#queue[0]?.type !== 'load') {
      const { source, card } = this.#loaded;
      this.#enqueue('load', { source, card }, { front: true }).promise.catch((err) => {
        if (err.name !== 'AbortError') this.#onCrash(`After a restart, the model could not be reloaded: ${err.message}`);
      });
    }
  }

  #restart() {
    this.#worker.terminate();
    const job = this.#current;
    this.#current = null;
    this.#start();
    return job;
  }

  #crash(message) {
    this.#crashes++;
    const giveUp = this.#crashes >= MAX_CONSECUTIVE_CRASHES;
    this.#onCrash(giveUp ? `The engine keeps crashing (${message}). Reload the page to start again.`
      : `The engine crashed (${message}). It was restarted${this.#loaded ? ' and the model reloaded' : ''}.`);
    if (giveUp) {
      this.#worker.terminate();
      [this.#current, ...this.#queue].filter(Boolean).forEach((job) => job.reject(new Error(`engine stopped: ${message}`)));
      this.#current = null;
      this.#queue = [];
      return;
    }
    this.#restart()?.reject(new Error(`the engine crashed: ${message}`));
  }

  #cancel(job, reason) {
    if (job.cancelled) return;
    job.cancelled = true;
    const queued = this.#queue.indexOf(job);
    if (queued >= 0) {
      this.#queue.splice(queued, 1);
      job.reject(abortError(reason));
    } else if (job === this.#current && job.onProgress) {
      // A long run: stop it now. (A short job just finishes and is then rejected.)
      if (this.#cancelFlag) Atomics.store(this.#cancelFlag, 0, job.id);
      else this.#restart().reject(abortError(reason));
    }
  }

  #pump() {
    if (this.#current || !this.#queue.length) return;
    const job = this.#queue.shift();
    this.#current = job;
    this.#worker.postMessage({ id: job.id, type: job.type, ...job.payload });
  }

  #receive(message) {
    if (message.type === 'ready') {
      this.#onReady?.(message);
      return;
    }
    const job = this.#current;
    if (!job || message.id !== job.id) return;
    if (message.type === 'progress') {
      if (!job.cancelled) job.onProgress?.(message);
      return;
    }
    this.#current = null;
    if (message.type === 'done') {
      this.#crashes = 0;
      if (job.cancelled) job.reject(abortError());
      else job.resolve(message.result);
    } else {
      job.reject(job.cancelled ? abortError() : engineError(message));
    }
    if (message.fatal) this.#crash(message.message);
    else this.#pump();
  }
}
