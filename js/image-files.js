// Image files in Node (gradlens/image-files): PNG and JPEG files into the
// ImageData-like RGBA images the image helpers take, and RGBA images into PNG
// files. Node only, and kept out of the main entry: it needs two npm packages.
//
// PNG: pngjs (pure JS; 8- and 16-bit, palette, grey, alpha). JPEG: @jsquash/jpeg,
// libjpeg-turbo (via MozJPEG) compiled to wasm: the decoder Pillow and most
// Python pipelines use, so decoded pixels match theirs exactly.
import { readFile, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import pngjs from 'pngjs';

const { PNG } = pngjs;
const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47];
const JPEG_SIGNATURE = [0xff, 0xd8, 0xff];

/** The file extensions readImage accepts. */
export const IMAGE_EXTENSIONS = Object.freeze(['.png', '.jpg', '.jpeg']);

let jpegDecoder = null;

// The decoder's wasm is read from disk: its own loader would fetch() a file: URL.
function decodeJpeg(bytes) {
  jpegDecoder ??= (async () => {
    const { default: decode, init } = await import('@jsquash/jpeg/decode.js');
    const wasmPath = createRequire(import.meta.url).resolve('@jsquash/jpeg/codec/dec/mozjpeg_dec.wasm');
    await init(await WebAssembly.compile(await readFile(wasmPath)));
    return decode;
  })();
  return jpegDecoder.then((decode) => decode(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength)));
}

const startsWith = (bytes, signature) => signature.every((b, k) => bytes[k] === b);

/** {data: Uint8ClampedArray RGBA, width, height} from the bytes of a PNG or JPEG file. */
export async function decodeImage(bytes) {
  let image;
  if (startsWith(bytes, PNG_SIGNATURE)) image = PNG.sync.read(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
  else if (startsWith(bytes, JPEG_SIGNATURE)) image = await decodeJpeg(bytes);
  else throw new Error('not a PNG or JPEG image');
  return { data: new Uint8ClampedArray(image.data.buffer, image.data.byteOffset, image.data.length), width: image.width, height: image.height };
}

/** Reads a PNG or JPEG file; errors name the file. */
export async function readImage(path) {
  const bytes = await readFile(path);
  try {
    return await decodeImage(bytes);
  } catch (err) {
    throw new Error(`${path}: ${err.message}`);
  }
}

/** The PNG file of an RGBA image, as bytes. */
export function encodePng(image) {
  const png = new PNG({ width: image.width, height: image.height });
  png.data = Buffer.from(image.data.buffer, image.data.byteOffset, image.data.length);
  return PNG.sync.write(png);
}

/** Writes an RGBA image as a PNG file. */
export function writePng(path, image) {
  return writeFile(path, encodePng(image));
}
