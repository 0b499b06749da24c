// The two long runs, each with Run and Stop, live progress and a result:
// fooling images (cs231n) and class model visualization (Simonyan et al. 2014).
import { tensorToImage } from '../js/index.js';
import { downloadPanels, foolingPanels, renderFoolingPanels, renderFoolingStats } from './views/fooling.js';
import { paintImage } from './views/paint.js';
import { RunControls } from './views/run-controls.js';
import { percent } from './views/top-classes.js';

const $ = (id) => document.getElementById(id);

// The value of a number input, clamped to its min and max (and shown so).
function iterationsFrom(input) {
  const value = Math.round(Number(input.value));
  const clamped = Math.min(Number(input.max), Math.max(Number(input.min), Number.isFinite(value) ? value : 100));
  input.value = String(clamped);
  return clamped;
}

const seconds = (since) => `${((performance.now() - since) / 1000).toFixed(1)} s`;

/**
 * Wires both sections. current() gives {model: {labels, channels}, input}: the
 * model and input tensor at the moment Run is pressed. Returns {enable(on),
 * reset()}: reset() hides the results of a previous model.
 */
export function setupLongRuns({ client, current }) {
  const fooling = new RunControls({
    run: $('fool-run'), stop: $('fool-stop'), progress: $('fool-progress'), detail: $('fool-detail'),
    status: $('fool-status'),
  });
  const visualizing = new RunControls({
    run: $('visualize-run'), stop: $('visualize-stop'), progress: $('visualize-progress'),
    detail: $('visualize-detail'), status: $('visualize-status'),
  });
  let figure = null; // {panels, filename}: the fooling figure shown, for the download

  $('fool-run').addEventListener('click', async () => {
    const { model: { labels, channels }, input: x } = current();
    const target = Number($('fool-target').value);
    const maxIterations = iterationsFrom($('fool-iterations'));
    const started = performance.now();
    const job = client.run('fool', { x, target, maxIterations }, {
      onProgress: ({ iteration, value }) => fooling.update(iteration,
        `Iteration ${iteration} of at most ${maxIterations}: P(${labels[target]}) = ${percent(value)}`),
    });
    fooling.start(maxIterations, job.cancel);
    try {
      const result = await job.promise;
      const panels = foolingPanels(x, result.image, channels);
      renderFoolingPanels(['fool-original', 'fool-image', 'fool-difference', 'fool-difference-10'].map($), panels);
      renderFoolingStats($('fool-stats'), result, labels[target]);
      figure = { panels, filename: `fooling-${labels[target].replace(/[^\w-]+/g, '_')}.png` };
      $('fool-result').hidden = false;
      fooling.update(maxIterations, `${result.iterations} iterations in ${seconds(started)}`);
      fooling.finish(result.success
        ? `Fooled: the model now says “${result.now.label}” after ${result.iterations} iterations.`
        : `Not fooled after ${result.iterations} iterations: the model still says “${result.now.label}”.`);
    } catch (err) {
      fooling.finish(err.name === 'AbortError' ? 'Stopped.' : `Failed: ${err.message}`);
    }
  });

  $('fool-download').addEventListener('click', () => downloadPanels(figure.panels, figure.filename));

  $('visualize-run').addEventListener('click', async () => {
    const { labels, channels } = current().model;
    const target = Number($('visualize-class').value);
    const iterations = iterationsFrom($('visualize-iterations'));
    const show = (image) => paintImage($('visualize-image'), tensorToImage(image, 0, { channels }));
    const started = performance.now();
    // A fixed seed: the same class gives the same picture every time it is shown.
    const job = client.run('visualize', { target, iterations, seed: 0 }, {
      onProgress({ iteration, value, image }) {
        visualizing.update(iteration, `Iteration ${iteration} of ${iterations}: score ${value.toFixed(2)}`);
        if (!image) return;
        show(image);
        $('visualize-result').hidden = false;
      },
    });
    visualizing.start(iterations, job.cancel);
    try {
      const { image, score } = await job.promise;
      show(image);
      visualizing.update(iterations, `${iterations} iterations in ${seconds(started)}: score ${score.toFixed(2)}`);
      visualizing.finish(`Done: what the model finds most “${labels[target]}”.`);
    } catch (err) {
      visualizing.finish(err.name === 'AbortError' ? 'Stopped.' : `Failed: ${err.message}`);
    }
  });

  return {
    enable(on) {
      fooling.enabled = on;
      visualizing.enabled = on;
    },
    reset() {
      $('fool-result').hidden = true;
      $('visualize-result').hidden = true;
      figure = null;
    },
  };
}
