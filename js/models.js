// The classifiers shipped in the package's models/ folder (gradlens/models), as
// URLs next to this module: file: URLs in Node, the served files in browsers.
// Every URL is written out whole so that bundlers see it and emit the file. An
// entry of its own, not re-exported by index.js: bundlers such as Vite emit every
// file a module names, used or not, and only apps that use these should get them.

/**
 * By name: `model` (ONNX), `card` (its model card) and a gallery of test images,
 * `samples` (JSON: {count, shape: [C, H, W], labels}) describing `sampleBytes`
 * (count images of C*H*W bytes, one after another).
 */
export const SHIPPED_MODELS = Object.freeze({
  mnist: Object.freeze({
    model: new URL('../models/mnist.onnx', import.meta.url),
    card: new URL('../models/mnist.json', import.meta.url),
    samples: new URL('../models/samples/mnist.json', import.meta.url),
    sampleBytes: new URL('../models/samples/mnist.u8', import.meta.url),
  }),
  'fashion-mnist': Object.freeze({
    model: new URL('../models/fashion-mnist.onnx', import.meta.url),
    card: new URL('../models/fashion-mnist.json', import.meta.url),
    samples: new URL('../models/samples/fashion-mnist.json', import.meta.url),
    sampleBytes: new URL('../models/samples/fashion-mnist.u8', import.meta.url),
  }),
});
