// Runs a command on each image in turn, with a progress bar for a folder; an
// image that fails is reported and the others still run.
import { progressBar } from './progress-bar.js';

/**
 * work(path) gives {json, text} for one image. Returns one record per image:
 * {json: {image, ...}, text}, or {json: {image, error}, error} when it failed.
 */
export async function forEachImage({ paths, folder }, work) {
  const bar = folder ? progressBar(paths.length) : null;
  const records = [];
  for (const [done, image] of paths.entries()) {
    bar?.show(done, image);
    try {
      const { json, text } = await work(image);
      records.push({ json: { image, ...json }, text });
    } catch (err) {
      records.push({ json: { image, error: err.message }, error: `${image}: ${err.message}` });
    }
  }
  bar?.clear();
  return records;
}
