// gradlens visualize: class model visualization (Simonyan et al. 2014), the
// image the model finds most --target, with a progress bar on a terminal.
import { tensorToImage } from '../../js/index.js';
import { targetClass } from '../inputs.js';
import { progressBar } from '../progress-bar.js';
import { fileSafe, openModel, pngWriter } from '../session.js';

const DEFAULT_ITERATIONS = 100;

export async function visualize(options) {
  const { model, name } = await openModel(options);
  const target = targetClass(options.target, model.labels);
  const label = model.labels[target];
  const iterations = options.iterations ?? DEFAULT_ITERATIONS;
  const bar = progressBar(iterations);
  const { image, logits } = model.visualizeClass(target, {
    iterations, seed: options.seed, onProgress: bar && (({ iteration }) => bar.show(iteration + 1, label)),
  });
  bar?.clear();
  const picture = tensorToImage(image, 0, { channels: model.card.input.channels });
  const file = await pngWriter(options.out)(`${name}-${fileSafe(label)}-visualization.png`, [[picture]]);
  const score = logits.data[target];
  return {
    json: { target: { index: target, label }, iterations, seed: options.seed, score, image: file },
    text: `"${label}" after ${iterations} iterations (score ${score.toFixed(2)}) -> ${file}`,
  };
}
