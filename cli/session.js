// What the image commands share: the model opened from the options, each image
// read as the model's input, and PNG files written into --out.
import { mkdirSync, readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { basename, extname, join } from 'node:path';
import { imageToTensor, loadModel, montage } from '../js/index.js';
import { decodeImage, writePng } from '../js/image-files.js';
import { modelFiles } from './inputs.js';

// Figures of small inputs (28x28 digits) are magnified to at least this size.
const FIGURE_SIZE = 224;

function readCard(path) {
  try {
    return JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new Error(`--card ${path}: ${err.message}`);
  }
}

/** The model --model and --card name, loaded: {model, name}. */
export async function openModel({ model: source, card }) {
  const files = modelFiles(source, card);
  try {
    return { model: await loadModel(files.model, files.card && readCard(files.card)), name: files.name };
  } catch (err) {
    throw new Error(`${files.model}: ${err.message}`);
  }
}

/** Image file `path` as the model's input, [1, C, H, W]. */
export async function readInput(path, model) {
  const image = await decodeImage(await readFile(path));
  return imageToTensor(image, { size: model.inputShape.slice(2), channels: model.card.input.channels });
}

/** Writes images into folder `out`: save(name, rows of images) lays the rows out, magnified, and returns the path. */
export function pngWriter(out) {
  mkdirSync(out, { recursive: true });
  return async (name, rows) => {
    const scale = Math.max(1, Math.floor(FIGURE_SIZE / Math.max(rows[0][0].width, rows[0][0].height)));
    const path = join(out, name);
    await writePng(path, montage(rows, { scale, gap: rows[0].length > 1 ? 4 : 0 }));
    return path;
  };
}

/** The image's file name without its extension, to name what is made from it. */
export const stem = (path) => basename(path, extname(path));

/** A label as part of a file name. */
export const fileSafe = (label) => label.replace(/[^\w-]+/g, '_');
