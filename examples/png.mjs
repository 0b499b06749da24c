// PNG files <-> ImageData-like RGBA images, for the Node examples (pngjs).
import { readFileSync, writeFileSync } from 'node:fs';
import pngjs from 'pngjs';

const { PNG } = pngjs;

export function readPng(path) {
  const png = PNG.sync.read(readFileSync(path));
  return { data: new Uint8ClampedArray(png.data), width: png.width, height: png.height };
}

export function writePng(path, image) {
  const png = new PNG({ width: image.width, height: image.height });
  png.data = Buffer.from(image.data.buffer, image.data.byteOffset, image.data.length);
  writeFileSync(path, PNG.sync.write(png));
}
