// gradlens predict: the top classes of each image.
import { forEachImage } from '../each-image.js';
import { imageFiles } from '../inputs.js';
import { openModel, readInput } from '../session.js';

const percent = (p) => `${(100 * p).toFixed(1)}%`;

export async function predict(options) {
  const images = imageFiles(options.image);
  const { model } = await openModel(options);
  const k = Math.min(options.top, model.numClasses);
  return forEachImage(images, async (path) => {
    const top = model.topK(await readInput(path, model), k);
    return { json: { top }, text: `${path}: ${top.map((t) => `${t.label} ${percent(t.probability)}`).join(', ')}` };
  });
}
