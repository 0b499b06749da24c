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
import { loadEngine } from './engine.js';
import { Model } from './model.js';
import { readSource } from './source.js';

export { GradlensError, loadEngine, simdSupported } from './engine.js';
export { PRESETS, normalizeCard } from './card.js';
export { ATTACKS, Model, SALIENCY_METHODS } from './model.js';
export * from './image.js';
export { foolingPanels, montage, saliencyPanels } from './figure.js';
export { inspect } from './inspect.js';

async function readCard(card) {
  const isFile = card instanceof URL || (typeof Blob !== 'undefined' && card instanceof Blob);
  if (card == null || (typeof card === 'object' && !isFile)) return card;
  return JSON.parse(new TextDecoder().decode(await readSource(card, 'card')));
}

/**
 * Loads an ONNX classifier. source: Uint8Array / ArrayBuffer bytes, a Blob or File,
 * a URL, or a file path in Node. card: the model card (object, Blob, URL or path),
 * or omitted.
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
