// The two long runs, each with Run and Stop, live progress and a result:
// fooling images (cs231n) and class model visualization (Simonyan et al. 2014).
import { foolingPanels, tensorToImage } from '../js/index.js';
import { downloadPanels, renderFoolingPanels, renderFoolingStats } from './views/fooling.js';
import { paintImage } from './views/paint.js';
import { RunControls } from './views/run-controls.js';
import { percent } from './views/top-classes.js';

// Class visualization runs in chunks of this many iterations, each starting from
// the image the last one ended with, so the page can show the image forming. A
// multiple of the engine's blurEvery (10), so the blur falls on the same
// iterations as in one long run; only the random jitter sequence differs.
const VISUALIZE_CHUNK = 10;

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
 * Wires both sections. current() gives {model: {engine, labels, channels}, input}:
 * the model and input tensor at the moment Run is pressed. Returns {enable(on),
 * reset(), cancel()}: reset() hides the results of a previous model, cancel()
 * stops the runs in progress.
 */
export function setupLongRuns({ current }) {
  const fooling = new RunControls({
    run: $('fool-run'), stop: $('fool-stop'), progress: $('fool-progress'), detail: $('fool-detail'),
    status: $('fool-status'),
  });
  const visualizing = new RunControls({
    run: $('visualize-run'), stop: $('visualize-stop'), progress: $('visualize-progress'),
    detail: $('visualize-detail'), status: $('visualize-status'),
  });
  const running = new Set(); // AbortControllers of the runs in progress
  let figure = null; // {panels, filename}: the fooling figure shown, for the download

  // Starts a run on `controls` (Stop aborts it) and reports its outcome there.
  async function track(controls, total, run) {
    const controller = new AbortController();
    running.add(controller);
    controls.start(total, () => controller.abort());
    try {
      controls.finish(await run(controller.signal));
    } catch (err) {
      controls.finish(err.name === 'AbortError' ? 'Stopped.' : `Failed: ${err.message}`);
    } finally {
      running.delete(controller);
    }
  }

  $('fool-run').addEventListener('click', () => {
    const { model: { engine, labels, channels }, input: x } = current();
    const target = Number($('fool-target').value);
    const maxIterations = iterationsFrom($('fool-iterations'));
    const started = performance.now();
    track(fooling, maxIterations, async (signal) => {
      const fooled = await engine.fool(x, {
        target, maxIterations, signal,
        onProgress: ({ iteration, values }) => fooling.update(iteration,
          `Iteration ${iteration} of at most ${maxIterations}: P(${labels[target]}) = ${percent(values[0])}`),
      });
      const [now] = await engine.topK(fooled.image, 1, 0, { signal });
      const result = {
        iterations: fooled.iterations[0], success: fooled.success[0], l2: fooled.l2[0], linf: fooled.linf[0], now,
      };
      const panels = foolingPanels(x, fooled.image, { channels });
      renderFoolingPanels(['fool-original', 'fool-image', 'fool-difference', 'fool-difference-10'].map($), panels);
      renderFoolingStats($('fool-stats'), result, labels[target]);
      figure = { panels, filename: `fooling-${labels[target].replace(/[^\w-]+/g, '_')}.png` };
      $('fool-result').hidden = false;
      fooling.update(maxIterations, `${result.iterations} iterations in ${seconds(started)}`);
      return result.success
        ? `Fooled: the model now says “${now.label}” after ${result.iterations} iterations.`
        : `Not fooled after ${result.iterations} iterations: the model still says “${now.label}”.`;
    });
  });

  $('fool-download').addEventListener('click', () => downloadPanels(figure.panels, figure.filename));

  $('visualize-run').addEventListener('click', () => {
    const { engine, labels, channels } = current().model;
    const target = Number($('visualize-class').value);
    const iterations = iterationsFrom($('visualize-iterations'));
    const show = (image) => paintImage($('visualize-image'), tensorToImage(image, 0, { channels }));
    const started = performance.now();
    track(visualizing, iterations, async (signal) => {
      let image;
      let score;
      for (let done = 0; done < iterations; done += VISUALIZE_CHUNK) {
        const chunk = Math.min(VISUALIZE_CHUNK, iterations - done);
        // A fixed seed: the same class gives the same picture every time it is shown.
        const out = await engine.visualizeClass(target, {
          iterations: chunk, seed: done, init: image, signal,
          onProgress: ({ iteration, values }) => visualizing.update(done + iteration + 1,
            `Iteration ${done + iteration + 1} of ${iterations}: score ${values[0].toFixed(2)}`),
        });
        image = out.image;
        score = out.logits.data[target];
        visualizing.update(done + chunk, `Iteration ${done + chunk} of ${iterations}: score ${score.toFixed(2)}`);
        show(image);
        $('visualize-result').hidden = false;
      }
      visualizing.update(iterations, `${iterations} iterations in ${seconds(started)}: score ${score.toFixed(2)}`);
      return `Done: what the model finds most “${labels[target]}”.`;
    });
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
    cancel() {
      for (const controller of running) controller.abort();
    },
  };
}
