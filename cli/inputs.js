// What the options name: the model (shipped, by name, or a file) with its card,
// the images (a file, or the PNG and JPEG files of a folder), and the class of
// --target. Whatever is missing or wrong is a UsageError.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { basename, dirname, extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SHIPPED_MODELS } from '../js/models.js';
import { IMAGE_EXTENSIONS } from '../js/image-files.js';
import { UsageError } from './usage.js';

/** {model, card (or null), name}: the files --model and --card name. */
export function modelFiles(model, card) {
  const shipped = SHIPPED_MODELS[model];
  if (card !== undefined && !existsSync(card)) throw new UsageError(`--card ${card}: no such file`);
  if (shipped) {
    const files = { model: fileURLToPath(shipped.model), card: card ?? fileURLToPath(shipped.card), name: model };
    if (!existsSync(files.model)) throw new UsageError(`--model ${model}: this installation lacks the shipped model (${files.model})`);
    return files;
  }
  if (!existsSync(model) || statSync(model).isDirectory()) {
    throw new UsageError(`--model ${model}: no such file (shipped models: ${Object.keys(SHIPPED_MODELS).join(', ')})`);
  }
  const name = basename(model, extname(model));
  const beside = join(dirname(model), `${name}.json`);
  return { model, card: card ?? (existsSync(beside) ? beside : null), name };
}

/** {paths, folder}: the image --image names, or the PNG and JPEG files in that folder, by name. */
export function imageFiles(path) {
  if (!existsSync(path)) throw new UsageError(`--image ${path}: no such file or folder`);
  if (!statSync(path).isDirectory()) return { paths: [path], folder: false };
  const paths = readdirSync(path).filter((name) => IMAGE_EXTENSIONS.includes(extname(name).toLowerCase()))
    .sort().map((name) => join(path, name));
  if (!paths.length) throw new UsageError(`--image ${path}: no PNG or JPEG files in this folder`);
  return { paths, folder: true };
}

/** The class id --target names: an id, or a label (any case). */
export function targetClass(target, labels) {
  if (/^\d+$/.test(target)) {
    const id = Number(target);
    if (id < labels.length) return id;
    throw new UsageError(`--target ${target}: the model has ${labels.length} classes, 0 to ${labels.length - 1}`);
  }
  const id = labels.findIndex((label) => label.toLowerCase() === target.toLowerCase());
  if (id >= 0) return id;
  const shown = labels.length > 12 ? `${labels.slice(0, 12).join(', ')}, ...` : labels.join(', ');
  throw new UsageError(`--target "${target}" is neither a class id nor a label of this model (${shown})`);
}
