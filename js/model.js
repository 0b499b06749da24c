// The Model object: a loaded classifier and every method on it. Each call
// copies its inputs into engine memory, runs one engine function, copies the
// results out and frees every buffer in `finally`, so a failed call leaks
// nothing and leaves the model usable.

import {
  checkImages, checkTarget, finiteNumber, nonNegativeInt, oneOf, seedHalves, targetList,
} from './args.js';

/** What model.saliency(x, {method}) offers. */
export const SALIENCY_METHODS = Object.freeze([
  'vanilla', 'smoothgrad', 'integrated-gradients', 'gradient-x-input', 'grad-cam', 'guided-backprop',
]);
/** What model.fool(x, {method}) offers. */
export const ATTACKS = Object.freeze(['cs231n', 'fgsm', 'pgd']);

const BASELINES = { black: 0, blurred: 1 };
const ATTACK_CODES = { fgsm: 0, 'pgd:linf': 1, 'pgd:l2': 2 };

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

  /** Threads the engine splits each layer's work across (see loadEngine's `threads`). */
  get threads() {
    return this.#engine.threads;
  }

  /** Why the engine runs on fewer threads than asked for (or than the default would use), else null. */
  get threadsNote() {
    return this.#engine.threadsNote;
  }

  #live() {
    if (!this.#handle) throw new Error('this model was disposed');
    return this.#handle;
  }

  // Runs fn(alloc, put) with engine buffers that are all freed afterwards.
  #withBuffers(fn) {
    const e = this.#engine;
    const ptrs = [];
    const keep = (p) => {
      ptrs.push(p);
      return p;
    };
    try {
      return fn((floats) => keep(e.alloc(floats * 4)), (typed) => keep(e.put(typed)));
    } finally {
      e.free(...ptrs);
    }
  }

  // Calls an engine export with the model handle first; throws its error.
  #call(name, ...args) {
    this.#engine.check(this.#engine.exports[name](this.#live(), ...args));
  }

  #tensor(ptr, shape) {
    return { data: this.#engine.f32(ptr, shape.reduce((a, b) => a * b, 1)), shape };
  }

  // The engine id of the node output named `layer`, and its per-image shape.
  #layer(layer, put, alloc) {
    const e = this.#engine;
    const id = e.exports.glw_find_tensor(this.#live(), put(new TextEncoder().encode(`${layer}\0`)));
    if (id < 0) throw new RangeError(`no node output named "${layer}" in this model`);
    return { id, shape: this.#tensorShape(id, alloc) };
  }

  #tensorShape(id, alloc) {
    const dims = alloc(8);
    const nd = this.#engine.exports.glw_tensor_shape(this.#live(), id, dims, 8);
    return Array.from(this.#engine.i32(dims, nd)).slice(1);
  }

  // Routes the engine's per-iteration progress to onProgress; false or an
  // aborted signal cancels the run (it then throws an AbortError).
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

  /** Unnormalized scores and their softmax: {logits, probs}, tensors (N, classes). */
  predict(x) {
    const [n, c, h, w] = checkImages(x);
    const K = this.numClasses;
    return this.#withBuffers((alloc, put) => {
      const [logits, probs] = [alloc(n * K), alloc(n * K)];
      this.#call('glw_predict', put(x.data), n, c, h, w, logits, probs);
      return { logits: this.#tensor(logits, [n, K]), probs: this.#tensor(probs, [n, K]) };
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
   * Attribution maps for the target class of each image. Every result has `map`
   * (N,H,W), `method` and `signed` (true: render with a diverging colormap).
   *   vanilla (Simonyan et al. 2014): map = max_c |dS/dx|; grad (N,C,H,W).
   *   smoothgrad {samples = 25, sigma = 0.15, squared = false, seed = 0}: grad = mean over noisy copies.
   *   integrated-gradients {steps = 32, baseline = 'black' | 'blurred' | tensor, blurSigma}:
   *     attributions (N,C,H,W), completenessError per image; signed map.
   *   gradient-x-input: attributions = x * grad; signed map.
   *   grad-cam {layer = the last conv layer before pooling}: lowres (N,h',w'), layer name.
   *   guided-backprop: grad with the guided ReLU rule.
   */
  saliency(x, { target, method = 'vanilla', ...options } = {}) {
    oneOf(method, 'saliency method', SALIENCY_METHODS);
    const [n, c, h, w] = checkImages(x);
    const targets = targetList(target, n);
    return this.#withBuffers((alloc, put) => {
      const args = [put(x.data), n, c, h, w, put(targets)];
      const map = alloc(n * h * w);
      const full = () => alloc(n * c * h * w);
      const result = (signed, extra) => ({ method, signed, map: this.#tensor(map, [n, h, w]), ...extra });
      const image = (ptr) => this.#tensor(ptr, [n, c, h, w]);
      switch (method) {
        case 'vanilla':
        case 'guided-backprop': {
          const grad = full();
          this.#call(method === 'vanilla' ? 'glw_saliency' : 'glw_guided_backprop', ...args, map, grad);
          return result(false, { grad: image(grad) });
        }
        case 'smoothgrad': {
          const { samples = 25, sigma = 0.15, squared = false, seed = 0 } = options;
          const grad = full();
          this.#call('glw_smoothgrad', ...args, nonNegativeInt(samples, 'samples'), finiteNumber(sigma, 'sigma'),
            squared ? 1 : 0, ...seedHalves(seed), map, grad);
          return result(false, { grad: image(grad) });
        }
        case 'integrated-gradients': {
          const { steps = 32, baseline = 'black', blurSigma } = options;
          const given = typeof baseline === 'object';
          if (given && checkImages(baseline, 'baseline').some((d, k) => d !== x.shape[k])) {
            throw new RangeError(`baseline must have the shape of x, ${JSON.stringify(x.shape)}`);
          }
          else oneOf(baseline, 'baseline', Object.keys(BASELINES));
          const [attr, error] = [full(), alloc(n)];
          this.#call('glw_integrated_gradients', ...args, nonNegativeInt(steps, 'steps'), given ? 2 : BASELINES[baseline],
            finiteNumber(blurSigma, 'blurSigma', 0), given ? put(baseline.data) : 0, map, attr, error);
          return result(true, { attributions: image(attr), completenessError: Array.from(this.#engine.f32(error, n)) });
        }
        case 'gradient-x-input': {
          const attr = full();
          this.#call('glw_gradient_x_input', ...args, map, attr);
          return result(true, { attributions: image(attr) });
        }
        default: { // grad-cam
          const layer = options.layer === undefined
            ? { id: this.#engine.exports.glw_default_cam_layer(this.#live()) }
            : this.#layer(options.layer, put, alloc);
          if (layer.id < 0) throw new RangeError('this model has no convolutional layer for Grad-CAM');
          const [, lh, lw] = layer.shape ?? this.#tensorShape(layer.id, alloc);
          const lowres = alloc(n * lh * lw);
          this.#call('glw_grad_cam', ...args, layer.id, map, lowres);
          return result(false, {
            lowres: this.#tensor(lowres, [n, lh, lw]),
            layer: this.#engine.string(this.#engine.exports.glw_tensor_name(this.#live(), layer.id)),
          });
        }
      }
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
      wdata = new Float32Array(n * K);
      targetList(target, n).forEach((t, i) => {
        if (t < 0 || t >= K) throw new RangeError(`target ${t} is out of range: the model has ${K} classes`);
        wdata[i * K + t] = 1;
      });
    }
    return this.#withBuffers((alloc, put) => {
      const { id, shape } = layer === undefined ? { id: -1, shape: [c, h, w] } : this.#layer(layer, put, alloc);
      const per = shape.reduce((a, b) => a * b, 1);
      const [grad, value] = [alloc(n * per), alloc(n * per)];
      this.#call('glw_gradient', put(x.data), n, c, h, w, put(wdata), id, grad, value);
      return { grad: this.#tensor(grad, [n, ...shape]), value: this.#tensor(value, [n, ...shape]) };
    });
  }

  /**
   * Adversarial images. method 'cs231n' (default): the notebook's fooling rule,
   * ascent on S_target with step learningRate * g / ||g||_2 until argmax ==
   * target or maxIterations. 'fgsm' and 'pgd' (norm 'linf' | 'l2'): on the
   * cross-entropy, targeted with `target`, else untargeted away from `labels`
   * (default: the model's predictions); epsilon, step, steps, randomStart, seed.
   * onProgress({iteration, values}) gets the target's (or label's) probability.
   */
  fool(x, { method = 'cs231n', target, onProgress, signal, ...options } = {}) {
    oneOf(method, 'attack', ATTACKS);
    const [n, c, h, w] = checkImages(x);
    const K = this.numClasses;
    const size = n * c * h * w;
    return this.#withBuffers((alloc, put) => {
      const e = this.#engine;
      const [out, ok, logits, l2, linf] = [alloc(size), alloc(n), alloc(n * K), alloc(n), alloc(n)];
      const args = [put(x.data), n, c, h, w];
      let iterations;
      if (method === 'cs231n') {
        const { learningRate = 1, maxIterations = 100 } = options;
        const its = alloc(n);
        const lr = finiteNumber(learningRate, 'learningRate');
        const cap = nonNegativeInt(maxIterations, 'maxIterations');
        const pt = put(targetList(target, n));
        this.#withProgress(onProgress, signal, (progress) => this.#call('glw_fool', ...args, pt, lr, cap, progress,
          out, its, ok, logits, l2, linf));
        iterations = Array.from(e.i32(its, n));
      } else {
        const { norm = 'linf', epsilon, step, steps, randomStart = true, seed = 0, labels } = options;
        oneOf(norm, 'norm', method === 'fgsm' ? ['linf'] : ['linf', 'l2']);
        const code = ATTACK_CODES[method === 'fgsm' ? 'fgsm' : `pgd:${norm}`];
        const eps = finiteNumber(epsilon, 'epsilon', code === 2 ? 1 : 8 / 255);
        const count = method === 'fgsm' ? 1 : nonNegativeInt(steps, 'steps', 10);
        const pt = target === undefined ? 0 : put(targetList(target, n));
        const pl = labels === undefined || target !== undefined ? 0 : put(targetList(labels, n, 'label'));
        this.#withProgress(onProgress, signal, (progress) => this.#call('glw_attack', ...args, pl, pt, code, eps,
          finiteNumber(step, 'step', eps / 4), count, randomStart ? 1 : 0, ...seedHalves(seed), progress,
          out, ok, logits, l2, linf));
        iterations = new Array(n).fill(count);
      }
      return {
        method,
        image: this.#tensor(out, [n, c, h, w]),
        iterations,
        success: Array.from(e.i32(ok, n), Boolean),
        logits: this.#tensor(logits, [n, K]),
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
    const size = c * h * w;
    if (init !== undefined) {
      checkImages(init, 'init');
      if (init.data.length !== size) throw new RangeError(`init must be one image of ${c}x${h}x${w}`);
    }
    const [jx, jy] = Array.isArray(jitter) ? jitter : [jitter, jitter];
    const opts = new Float32Array([
      nonNegativeInt(iterations, 'iterations', NaN),
      finiteNumber(l2Reg, 'l2Reg'),
      finiteNumber(learningRate, 'learningRate'),
      nonNegativeInt(blurEvery, 'blurEvery', NaN),
      finiteNumber(blurSigma, 'blurSigma'),
      nonNegativeInt(jx, 'jitter', NaN),
      nonNegativeInt(jy, 'jitter', NaN),
    ]);
    const seeds = seedHalves(seed);
    const K = this.numClasses;
    return this.#withBuffers((alloc, put) => {
      const [out, logits] = [alloc(size), alloc(K)];
      const args = [target, put(opts), ...seeds, init ? put(init.data) : 0];
      this.#withProgress(onProgress, signal, (progress) => this.#call('glw_visualize', ...args, progress, out, logits));
      return { image: this.#tensor(out, [1, c, h, w]), logits: this.#tensor(logits, [1, K]) };
    });
  }

  /**
   * Sanity check (Adebayo et al. 2018): redraws the weights of `layer` (default:
   * the classifier layer) at random with their trained mean and spread. Maps that
   * do not change were not explaining the model. Irreversible: reload to undo.
   */
  randomizeLayer(layer, { seed = 0 } = {}) {
    const seeds = seedHalves(seed);
    this.#withBuffers((alloc, put) => {
      const id = layer === undefined ? -1 : this.#layer(layer, put, alloc).id;
      this.#call('glw_randomize_layer', id, ...seeds);
    });
  }

  /**
   * Per-layer timing, for benchmarks: runs fn() (calls on this model) with the
   * engine's node timers on and returns, for every node that ran, {name, op, algorithm
   * (a Conv's "winograd", "im2col+gemm", "pointwise gemm" or "depthwise"; else ""), flops
   * (per image: 2 x the multiply-adds of a Conv, Gemm or MatMul), inputShape (the
   * first input's, per image), weightShape (of a constant second input, e.g. a Conv's
   * [cout, cin/group, kh, kw]; [] without),
   * forwardMs, backwardMs (summed over the runs), forwardImages, backwardImages}.
   */
  profile(fn) {
    const e = this.#engine;
    this.#call('glw_profile', 1);
    try {
      fn();
      return this.#withBuffers((alloc) => {
        const [strings, values] = [alloc(3), alloc(28)];
        const nodes = [];
        const count = e.exports.glw_node_count(this.#live());
        for (let k = 0; k < count; k++) {
          this.#call('glw_node_profile', k, strings, values);
          const [name, op, algorithm] = Array.from(e.i32(strings, 3), (ptr) => e.string(ptr));
          const v = new Float64Array(e.memory, values, 14);
          const [active, flops, forwardMs, backwardMs, forwardImages, backwardImages] = v;
          const dims = (from) => Array.from(v.subarray(from, from + 4)).filter((d) => d > 0);
          const [inputShape, weightShape] = [dims(6), dims(10)];
          if (active) nodes.push({ name, op, algorithm, flops, inputShape, weightShape, forwardMs, backwardMs, forwardImages, backwardImages });
        }
        return nodes;
      });
    } finally {
      this.#call('glw_profile', 0);
    }
  }

  /** Frees the engine memory of this model; further calls throw. */
  dispose() {
    if (this.#handle) this.#engine.exports.glw_free(this.#handle);
    this.#handle = 0;
  }
}
