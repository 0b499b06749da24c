// gradlens: what an image classifier looks at and how easily it is fooled,
// computed client-side by a C/WebAssembly engine.
//
//   import { loadModel } from 'gradlens';
//   const model = await loadModel('mnist.onnx', card);
//   const { map } = model.saliency(x, { target: 3 });   // x: {data: Float32Array, shape: [N,C,H,W]}
//
// Images are pixels in [0,1], NCHW, in the card's channel order. Every gradient
// and every adversarial image is in that pixel space (the card's preprocessing
// runs inside the engine). Errors from the engine arrive as thrown Errors with
// its message; the model stays usable afterwards.

import { normalizeCard } from './card.js';
import { GradlensError, loadEngine } from './engine.js';

export { GradlensError, loadEngine, simdSupported } from './engine.js';
export { PRESETS, normalizeCard } from './card.js';
export * from './image.js';
export { montage } from './figure.js';

const isNode = typeof process !== 'undefined' && !!process.versions?.node && typeof window === 'undefined';

async function readSource(source, what) {
  if (source instanceof Uint8Array) return source;
  if (source instanceof ArrayBuffer) return new Uint8Array(source);
  if (ArrayBuffer.isView(source)) return new Uint8Array(source.buffer, source.byteOffset, source.byteLength);
  if (typeof source !== 'string' && !(source instanceof URL)) {
    throw new TypeError(`${what} must be bytes (Uint8Array, ArrayBuffer), a URL, or a file path in Node`);
  }
  const isUrl = source instanceof URL || /^[a-z][a-z0-9+.-]*:/i.test(source);
  if (isNode && (!isUrl || String(source).startsWith('file:'))) {
    const { readFile } = await import('node:fs/promises');
    return new Uint8Array(await readFile(source instanceof URL ? source : isUrl ? new URL(source) : source));
  }
  const response = await fetch(source);
  if (!response.ok) throw new Error(`${what}: HTTP ${response.status} fetching ${source}`);
  return new Uint8Array(await response.arrayBuffer());
}

async function readCard(card) {
  if (card == null || (typeof card === 'object' && !(card instanceof URL))) return card;
  return JSON.parse(new TextDecoder().decode(await readSource(card, 'card')));
}

function checkImages(x, name = 'x') {
  if (!x || typeof x !== 'object' || !(x.data instanceof Float32Array)) {
    throw new TypeError(`${name} must be a tensor {data: Float32Array, shape: [N, C, H, W]}`);
  }
  const { shape } = x;
  if (!Array.isArray(shape) || shape.length !== 4 || !shape.every((d) => Number.isInteger(d) && d >= 0)) {
    throw new TypeError(`${name}.shape must be [N, C, H, W] of non-negative integers, got ${JSON.stringify(shape)}`);
  }
  const n = shape.reduce((a, b) => a * b, 1);
  if (x.data.length !== n) throw new RangeError(`${name}.data has ${x.data.length} values but shape ${JSON.stringify(shape)} needs ${n}`);
  return shape;
}

function targetList(target, n) {
  const list = Array.isArray(target) || ArrayBuffer.isView(target) ? Array.from(target) : [target];
  if (list.length === 1 && n > 1) return new Int32Array(n).fill(checkTarget(list[0]));
  if (list.length !== n) throw new RangeError(`${list.length} targets for ${n} images: give one per image`);
  return Int32Array.from(list, checkTarget);
}

function checkTarget(t) {
  if (!Number.isInteger(t)) throw new TypeError(`a target must be an integer class id, got ${String(t)}`);
  if (t < -2147483648 || t > 2147483647) throw new RangeError(`target ${t} is out of range`);
  return t;
}

function positiveInt(value, name, fallback) {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value < 0) throw new RangeError(`${name} must be a non-negative integer, got ${value}`);
  return value;
}

function optionalNumber(value, name) {
  if (value === undefined) return NaN; // the engine's default
  if (typeof value !== 'number' || !Number.isFinite(value)) throw new RangeError(`${name} must be a finite number, got ${value}`);
  return value;
}

/** A loaded classifier. Create with loadModel(). */
export class Model {
  #engine;
  #handle;

  constructor(engine, handle, card, info) {
    this.#engine = engine;
    this.#handle = handle;
    const [c, h, w, classes] = info;
    this.inputShape = [1, c, h, w];
    this.numClasses = classes;
    this.card = card;
    this.labels = card.labels;
    this.simd = engine.simd;
  }

  #live() {
    if (!this.#handle) throw new Error('this model was disposed');
    return this.#handle;
  }

  // Runs fn with the images copied into engine memory, freeing every buffer after.
  #withBuffers(fn) {
    const e = this.#engine;
    const ptrs = [];
    const alloc = (floats) => {
      const p = e.alloc(floats * 4);
      ptrs.push(p);
      return p;
    };
    const put = (typed) => {
      const p = e.put(typed);
      ptrs.push(p);
      return p;
    };
    try {
      return fn(alloc, put);
    } finally {
      e.free(...ptrs);
    }
  }

  /** Unnormalized scores and their softmax: {logits, probs}, tensors (N, classes). */
  predict(x) {
    const [n, c, h, w] = checkImages(x);
    const K = this.numClasses;
    return this.#withBuffers((alloc, put) => {
      const px = put(x.data);
      const logits = alloc(n * K);
      const probs = alloc(n * K);
      this.#engine.check(this.#engine.exports.glw_predict(this.#live(), px, n, c, h, w, logits, probs));
      return {
        logits: { data: this.#engine.f32(logits, n * K), shape: [n, K] },
        probs: { data: this.#engine.f32(probs, n * K), shape: [n, K] },
      };
    });
  }

  /** Top-k classes of image `index`: [{index, label, probability, logit}]. */
  topK(x, k = 5, index = 0) {
    const { logits, probs } = this.predict(x);
    const K = this.numClasses;
    const row = Array.from({ length: K }, (_, j) => ({
      index: j, label: this.labels[j], probability: probs.data[index * K + j], logit: logits.data[index * K + j],
    }));
    return row.sort((a, b) => b.logit - a.logit).slice(0, k);
  }

  /**
   * Class saliency (Simonyan et al. 2014): map (N,H,W) = max over channels of
   * |d S_target / d pixel|, and the raw gradient (N,C,H,W). One target per image.
   */
  saliency(x, { target, method = 'vanilla' } = {}) {
    if (method !== 'vanilla') throw new RangeError(`unknown saliency method "${method}" (available: vanilla)`);
    const [n, c, h, w] = checkImages(x);
    const targets = targetList(target, n);
    return this.#withBuffers((alloc, put) => {
      const px = put(x.data);
      const pt = put(targets);
      const map = alloc(n * h * w);
      const grad = alloc(n * c * h * w);
      this.#engine.check(this.#engine.exports.glw_saliency(this.#live(), px, n, c, h, w, pt, map, grad));
      return {
        map: { data: this.#engine.f32(map, n * h * w), shape: [n, h, w] },
        grad: { data: this.#engine.f32(grad, n * c * h * w), shape: [n, c, h, w] },
      };
    });
  }

  /**
   * The gradient of sum(weights * logits) with respect to the pixels, or to the
   * output of the node named `layer` (then also its forward value).
   * weights: tensor (N, classes), or give `target` for a one-hot weighting.
   */
  gradient(x, { weights, target, layer } = {}) {
    const [n, c, h, w] = checkImages(x);
    const K = this.numClasses;
    let wdata;
    if (weights) {
      if (!(weights.data instanceof Float32Array) || weights.data.length !== n * K) {
        throw new TypeError(`weights must be a tensor {data: Float32Array} of ${n}x${K} values`);
      }
      wdata = weights.data;
    } else {
      const targets = targetList(target, n);
      wdata = new Float32Array(n * K);
      targets.forEach((t, i) => {
        if (t < 0 || t >= K) throw new RangeError(`target ${t} is out of range: the model has ${K} classes`);
        wdata[i * K + t] = 1;
      });
    }
    return this.#withBuffers((alloc, put) => {
      const e = this.#engine;
      let tensor = -1;
      let shape = [c, h, w];
      if (layer !== undefined) {
        const name = put(new TextEncoder().encode(String(layer) + '\0'));
        tensor = e.exports.glw_find_tensor(this.#live(), name);
        if (tensor < 0) throw new RangeError(`no node output named "${layer}" in this model`);
        const dims = alloc(8);
        const nd = e.exports.glw_tensor_shape(this.#live(), tensor, dims, 8);
        shape = Array.from(e.i32(dims, nd)).slice(1);
      }
      const per = shape.reduce((a, b) => a * b, 1);
      const px = put(x.data);
      const pw = put(wdata);
      const grad = alloc(n * per);
      const value = alloc(n * per);
      e.check(e.exports.glw_gradient(this.#live(), px, n, c, h, w, pw, tensor, grad, value));
      return {
        grad: { data: e.f32(grad, n * per), shape: [n, ...shape] },
        value: { data: e.f32(value, n * per), shape: [n, ...shape] },
      };
    });
  }

  // Routes the engine's per-iteration progress to onProgress; false or an aborted
  // signal cancels the run (it then throws an AbortError).
  #withProgress(onProgress, signal, fn) {
    const e = this.#engine;
    if (!onProgress && !signal) return fn(0);
    e.progress = (iteration, ptr, n) => {
      if (signal?.aborted) return 1;
      const keepGoing = onProgress ? onProgress({ iteration, values: Array.from(e.f32(ptr, n)) }) : true;
      return keepGoing === false || signal?.aborted ? 1 : 0;
    };
    try {
      return fn(1);
    } finally {
      e.progress = null;
    }
  }

  /**
   * A fooling image per input (cs231n): gradient ascent on S_target with step
   * learningRate * g / ||g||_2 until argmax == target or maxIterations.
   * onProgress({iteration, values}) gets the target probability per image.
   */
  fool(x, { target, learningRate = 1, maxIterations = 100, onProgress, signal } = {}) {
    const [n, c, h, w] = checkImages(x);
    const targets = targetList(target, n);
    const lr = optionalNumber(learningRate, 'learningRate');
    const cap = positiveInt(maxIterations, 'maxIterations');
    const K = this.numClasses;
    const size = n * c * h * w;
    return this.#withBuffers((alloc, put) => {
      const e = this.#engine;
      const px = put(x.data);
      const pt = put(targets);
      const [out, its, ok, logits, l2, linf] = [alloc(size), alloc(n), alloc(n), alloc(n * K), alloc(n), alloc(n)];
      this.#withProgress(onProgress, signal, (withProgress) => e.check(e.exports.glw_fool(
        this.#live(), px, n, c, h, w, pt, lr, cap, withProgress, out, its, ok, logits, l2, linf)));
      return {
        image: { data: e.f32(out, size), shape: [n, c, h, w] },
        iterations: Array.from(e.i32(its, n)),
        success: Array.from(e.i32(ok, n), Boolean),
        logits: { data: e.f32(logits, n * K), shape: [n, K] },
        l2: Array.from(e.f32(l2, n)),
        linf: Array.from(e.f32(linf, n)),
      };
    });
  }

  /**
   * Class model visualization (Simonyan et al. 2014; cs231n defaults scaled to the
   * input size): an image (1,C,H,W) maximizing S_target - l2Reg * ||z||^2.
   * Options: iterations, l2Reg, learningRate, blurEvery, blurSigma, jitter ([x, y]
   * or one number), seed (integer), init (a (1,C,H,W) tensor), onProgress, signal.
   */
  visualizeClass(target, { iterations, l2Reg, learningRate, blurEvery, blurSigma, jitter, seed = 0, init,
    onProgress, signal } = {}) {
    checkTarget(target);
    const [, c, h, w] = this.inputShape;
    if (init !== undefined) checkImages(init, 'init');
    if (!Number.isSafeInteger(seed) || seed < 0) throw new RangeError(`seed must be a non-negative integer, got ${seed}`);
    const [jx, jy] = jitter === undefined ? [undefined, undefined] : Array.isArray(jitter) ? jitter : [jitter, jitter];
    const opts = new Float32Array([
      iterations === undefined ? NaN : positiveInt(iterations, 'iterations'),
      optionalNumber(l2Reg, 'l2Reg'),
      optionalNumber(learningRate, 'learningRate'),
      blurEvery === undefined ? NaN : positiveInt(blurEvery, 'blurEvery'),
      optionalNumber(blurSigma, 'blurSigma'),
      jx === undefined ? NaN : positiveInt(jx, 'jitter'),
      jy === undefined ? NaN : positiveInt(jy, 'jitter'),
    ]);
    const size = c * h * w;
    const K = this.numClasses;
    return this.#withBuffers((alloc, put) => {
      const e = this.#engine;
      if (init && init.data.length !== size) throw new RangeError(`init must be one image of ${c}x${h}x${w}`);
      const pinit = init ? put(init.data) : 0;
      const popts = put(opts);
      const out = alloc(size);
      const logits = alloc(K);
      const lo = Number(BigInt(seed) & 0xffffffffn);
      const hi = Number(BigInt(seed) >> 32n);
      this.#withProgress(onProgress, signal, (withProgress) => e.check(e.exports.glw_visualize(
        this.#live(), target, popts, lo, hi, pinit, withProgress, out, logits)));
      return { image: { data: e.f32(out, size), shape: [1, c, h, w] }, logits: { data: e.f32(logits, K), shape: [1, K] } };
    });
  }

  /** Frees the engine memory of this model; further calls throw. */
  dispose() {
    if (this.#handle) this.#engine.exports.glw_free(this.#handle);
    this.#handle = 0;
  }
}

/**
 * Loads an ONNX classifier. source: Uint8Array / ArrayBuffer bytes, a URL, or a
 * file path in Node. card: the model card (object, URL or path), or omitted.
 * options: engine options for the first load (see loadEngine).
 */
export async function loadModel(source, card, options = {}) {
  const [engine, bytes, cardJson] = await Promise.all([loadEngine(options), readSource(source, 'model'), readCard(card)]);
  let handle = 0;
  let normalized;
  const info = new Int32Array(4);
  const status = new Int32Array(1);
  const pStatus = engine.alloc(4);
  const pInfo = engine.alloc(16);
  let pBytes = 0;
  try {
    pBytes = engine.put(bytes);
    handle = engine.exports.glw_load(pBytes, bytes.length, pStatus);
    status.set(engine.i32(pStatus, 1));
    engine.check(status[0]);
    engine.exports.glw_info(handle, pInfo);
    info.set(engine.i32(pInfo, 4));
    normalized = normalizeCard(cardJson, { c: info[0], h: info[1], w: info[2], classes: info[3] });
    const { scale, mean, std } = normalized.input;
    const perChannel = (list) => Float32Array.from({ length: info[0] }, (_, k) => list[list.length === 1 ? 0 : k]);
    const pMean = engine.put(perChannel(mean));
    const pStd = engine.put(perChannel(std));
    try {
      engine.check(engine.exports.glw_set_preprocess(handle, scale, pMean, pStd, info[0]));
    } finally {
      engine.free(pMean, pStd);
    }
  } catch (err) {
    if (handle) engine.exports.glw_free(handle);
    throw err;
  } finally {
    engine.free(pBytes, pStatus, pInfo);
  }
  return new Model(engine, handle, normalized, info);
}
