// A page built by a bundler (here Vite: `npx vite build`): the engine runs in a
// Web Worker, so the page stays responsive; a long run reports progress and stops
// on demand. The bundler emits the .wasm files, the worker and the model as assets.
import { tensorToImage } from 'gradlens';
import { SHIPPED_MODELS } from 'gradlens/models';
import { createWorker } from 'gradlens/worker';

const $ = (id) => document.getElementById(id);
const mnist = SHIPPED_MODELS.mnist;
const worker = createWorker();
const model = await worker.loadModel(mnist.model, mnist.card);

// The first of the model's test images: 28x28 bytes.
const bytes = new Uint8Array(await (await fetch(mnist.sampleBytes)).arrayBuffer());
const x = { data: Float32Array.from(bytes.subarray(0, 784), (v) => v / 255), shape: [1, 1, 28, 28] };
const [best] = await model.topK(x, 1);
$('prediction').textContent = `The first test digit reads as ${best.label} (${(100 * best.probability).toFixed(1)}%).`;

// Class model visualization: the image the model finds most "8".
$('run').disabled = false;
$('run').addEventListener('click', async () => {
  const stop = new AbortController();
  $('stop').onclick = () => stop.abort();
  $('status').textContent = 'Running…';
  try {
    const { image } = await model.visualizeClass(8, {
      iterations: 300, signal: stop.signal, onProgress: ({ iteration }) => { $('progress').value = iteration; },
    });
    const picture = tensorToImage(image);
    const canvas = $('visualization');
    [canvas.width, canvas.height] = [picture.width, picture.height];
    canvas.getContext('2d').putImageData(new ImageData(picture.data, picture.width, picture.height), 0, 0);
    $('status').textContent = 'Done.';
  } catch (err) {
    $('status').textContent = err.name === 'AbortError' ? 'Stopped.' : `Failed: ${err.message}`;
  }
});
