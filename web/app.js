// The demo page's wiring: the model picker, the three inputs (drawing, test
// images, image files), and the four outputs, all computed by the engine in a
// worker (createWorker). Rendering (views/) and tensor work (js/image.js) run here.
import { GradlensError, SALIENCY_METHODS, imageToTensor, tensorToImage } from '../js/index.js';
import { createWorker } from '../js/worker.js';
import { DrawingPad } from './draw.js';
import { decodeImage, sortFiles } from './image-files.js';
import { setupLargeText } from './large-text.js';
import { isMnistLike, mnistStyleTensor } from './mnist-style.js';
import { SHIPPED_MODELS } from './models.js';
import { OpenModelDialog } from './open-model-dialog.js';
import { setupLongRuns } from './long-runs.js';
import { loadSamples, sampleTensor, samplesFit } from './samples.js';
import { showAlert } from './views/alerts.js';
import { fillClassSelect } from './views/class-select.js';
import { Gallery } from './views/gallery.js';
import { paintImage } from './views/paint.js';
import { renderSaliency } from './views/saliency.js';
import { percent, renderTopClasses } from './views/top-classes.js';

const $ = (id) => document.getElementById(id);

// While a stroke is being drawn, the prediction follows it at most this often.
const DRAW_UPDATE_MS = 120;
const LOCAL_MODEL = 'local';

const state = {
  model: null, // {name, engine (the model in the worker), inputShape, labels, channels, samples}
  source: { kind: 'drawing' }, // or {kind: 'sample', index} or {kind: 'image', image}
  input: null, // the source as the model's input, [1, C, H, W]
  analysis: null, // {x, map, signed}: the input and saliency map shown
};

const showProblem = (message) => showAlert($('alerts'), message);
const unlessAborted = (handle) => (err) => {
  if (err.name !== 'AbortError') handle(err);
};

// ---- engine ----

const worker = createWorker({
  onCrash({ message, restarted }) {
    showProblem(restarted
      ? `The engine crashed (${message}). It was restarted${state.model ? ' and the model reloaded' : ''}.`
      : `The engine keeps crashing (${message}). Reload the page to start again.`);
  },
});

function describe() {
  if (!state.model) return;
  const [, c, h, w] = state.model.inputShape;
  $('engine-status').textContent = [
    `${state.model.name}: ${c}×${h}×${w} input, ${state.model.labels.length} classes.`,
    `Engine: WebAssembly${state.model.engine.simd ? ' SIMD' : ''} in a Web Worker, ` +
      `${state.model.engine.threads} thread${state.model.engine.threads > 1 ? 's' : ''}` +
      `${state.model.engine.threadsNote ? ` (${state.model.engine.threadsNote})` : ''}.`,
    worker.cancelsInPlace ? 'Stop acts within an iteration.'
      : 'This page is not cross-origin isolated, so Stop restarts the engine and reloads the model.',
  ].join(' ');
}

// ---- models ----

const modelSelect = $('model-select');
modelSelect.replaceChildren(...SHIPPED_MODELS.map((entry, k) => new Option(entry.name, String(k))));

const gallery = new Gallery($('gallery'), { onPick: (index) => setInput({ kind: 'sample', index }) });

let loading = null; // the AbortController of the model being loaded: a newer choice replaces it

// Loads a model in place of the current one, stopping what runs on the current
// one; on failure the current one stays.
async function openModel({ name, source, card, samples }) {
  loading?.abort();
  const controller = new AbortController();
  loading = controller;
  longRuns.cancel();
  analysis?.abort();
  longRuns.enable(false);
  try {
    const [engine, gallerySet] = await Promise.all([
      worker.loadModel(source, card, { signal: controller.signal }),
      samples ? loadSamples(samples).catch((err) => err) : null,
    ]);
    state.model?.engine.dispose();
    const usable = gallerySet && !(gallerySet instanceof Error) && samplesFit(gallerySet, engine.inputShape);
    state.model = {
      name, engine, inputShape: engine.inputShape, labels: engine.labels, channels: engine.card.input.channels,
      samples: usable ? gallerySet : null,
    };
    showModel(gallerySet instanceof Error ? `Test images unavailable: ${gallerySet.message}` : '');
  } finally {
    if (loading === controller) loading = null;
    longRuns.enable(state.model !== null);
  }
}

// Resets everything that belonged to the previous model.
function showModel(samplesProblem) {
  const { labels, inputShape, samples } = state.model;
  fillClassSelect($('explain-class'), labels, { first: { value: '', text: 'Top prediction' } });
  fillClassSelect($('fool-target'), labels, { selected: labels.length - 1 });
  fillClassSelect($('visualize-class'), labels, { selected: 0 });
  if (samples) gallery.show(samples, labels);
  else gallery.clear();
  $('samples-note').hidden = !!samples;
  $('samples-note').textContent = samplesProblem || 'This model has no test images: draw, or open an image.';
  $('mnist-style-option').hidden = !isMnistLike(inputShape);
  longRuns.reset();
  describe();
  const { source } = state;
  const keepsSample = source.kind === 'sample' && samples && source.index < samples.count;
  if (keepsSample || source.kind === 'image') setInput(source);
  else if (samples && pad.isBlank) setInput({ kind: 'sample', index: 0 });
  else setInput({ kind: 'drawing' });
}

function openShipped(index) {
  const entry = SHIPPED_MODELS[index];
  return openModel({ name: entry.name, source: entry.model, card: entry.card, samples: entry });
}

let shownModel = modelSelect.value;
modelSelect.addEventListener('change', async () => {
  const wanted = modelSelect.value;
  if (wanted === LOCAL_MODEL) return;
  try {
    await openShipped(Number(wanted));
    modelSelect.querySelector(`option[value="${LOCAL_MODEL}"]`)?.remove();
    shownModel = wanted;
  } catch (err) {
    // An AbortError: another model was chosen meanwhile, and that choice stands.
    if (err.name === 'AbortError') return;
    modelSelect.value = shownModel;
    showProblem(`Could not load ${SHIPPED_MODELS[wanted].name}: ${err.message}`);
  }
});

const openDialog = new OpenModelDialog($('open-dialog'), {
  async onOpen({ name, source, card }) {
    await openModel({ name, source, card });
    modelSelect.querySelector(`option[value="${LOCAL_MODEL}"]`)?.remove();
    modelSelect.append(new Option(`${name} (local file)`, LOCAL_MODEL));
    modelSelect.value = shownModel = LOCAL_MODEL;
  },
});
$('open-model').addEventListener('click', () => openDialog.open());

// ---- input ----

function inputTensor(source) {
  const { inputShape, channels, samples } = state.model;
  const size = inputShape.slice(2);
  if (source.kind === 'sample') return sampleTensor(samples, source.index);
  if (source.kind === 'image') return imageToTensor(source.image, { size, channels });
  const drawing = pad.imageData();
  return isMnistLike(inputShape) && $('mnist-style').checked ? mnistStyleTensor(drawing)
    : imageToTensor(drawing, { size, channels });
}

function setInput(source) {
  state.source = source;
  if (!state.model) return;
  state.input = inputTensor(source);
  paintImage($('model-input'), tensorToImage(state.input, 0, { channels: state.model.channels }));
  gallery.select(source.kind === 'sample' ? source.index : null);
  analyze();
}

let drawTimer = 0;
const pad = new DrawingPad($('draw-canvas'), {
  onChange({ ending }) {
    $('draw-area').classList.toggle('blank', pad.isBlank);
    if (ending) {
      clearTimeout(drawTimer);
      drawTimer = 0;
      setInput({ kind: 'drawing' });
    } else if (!drawTimer) {
      drawTimer = setTimeout(() => {
        drawTimer = 0;
        setInput({ kind: 'drawing' });
      }, DRAW_UPDATE_MS);
    }
  },
});
$('brush-size').addEventListener('input', (event) => { pad.brushSize = Number(event.target.value); });
$('clear-drawing').addEventListener('click', () => pad.clear());
$('mnist-style').addEventListener('change', () => {
  if (state.source.kind === 'drawing') setInput(state.source);
});

async function useImageFile(file) {
  try {
    setInput({ kind: 'image', image: await decodeImage(file) });
  } catch (err) {
    showProblem(err.message);
  }
}

$('image-file').addEventListener('change', (event) => {
  if (event.target.files.length) useImageFile(event.target.files[0]);
});

function takeFiles(files) {
  const sorted = sortFiles(files);
  const forDialog = sorted.models.length || (openDialog.isOpen && (sorted.cards.length || sorted.labels.length));
  if (forDialog) openDialog.open(sorted);
  else if (sorted.images.length) useImageFile(sorted.images[0]);
  else if (files.length) showProblem(`${files[0].name}: drop an image, or an .onnx model with its .json card or .txt labels.`);
}

document.addEventListener('dragover', (event) => {
  if (!event.dataTransfer.types.includes('Files')) return;
  event.preventDefault();
  document.body.classList.add('dragging');
});
document.addEventListener('dragleave', (event) => {
  if (!event.relatedTarget) document.body.classList.remove('dragging');
});
document.addEventListener('drop', (event) => {
  event.preventDefault();
  document.body.classList.remove('dragging');
  takeFiles([...event.dataTransfer.files]);
});
document.addEventListener('paste', (event) => {
  const files = [...event.clipboardData.files];
  if (!files.length) return;
  event.preventDefault();
  takeFiles(files);
});

// ---- prediction and saliency ----

// Readable names of the engine's saliency methods; one missing here shows its id.
const METHOD_NAMES = {
  vanilla: 'Vanilla gradient',
  smoothgrad: 'SmoothGrad',
  'integrated-gradients': 'Integrated Gradients',
  'gradient-x-input': 'Gradient × Input',
  'grad-cam': 'Grad-CAM',
  'guided-backprop': 'Guided Backprop',
};
$('saliency-method').replaceChildren(...SALIENCY_METHODS.map((id) => new Option(METHOD_NAMES[id] ?? id, id)));

// Analyses queued or running; the prediction section is aria-busy while any is.
let analysesPending = 0;
let analysis = null; // the AbortController of the latest analysis: a newer one replaces it
let announced = '';

// The prediction, and the saliency map of `target` (default: the top class). A
// method that does not apply to this model (Grad-CAM without a conv layer) still
// leaves the prediction: its message comes back as `problem`.
async function predictAndExplain(model, x, { target, method, signal }) {
  const top = await model.topK(x, 5, 0, { signal });
  const explained = target ?? top[0].index;
  try {
    const { map, signed } = await model.saliency(x, { target: explained, method, signal });
    return { top, target: explained, map, signed };
  } catch (err) {
    const methodProblem = [GradlensError, RangeError, TypeError].some((Type) => err instanceof Type);
    if (!methodProblem || err.name === 'AbortError') throw err;
    return { top, target: explained, problem: err.message };
  }
}

function showAnalysis({ x, top, target, map, signed, problem }) {
  const label = state.model.labels[target];
  state.analysis = map ? { x, map, signed } : null;
  renderTopClasses($('top-classes'), top);
  $('saliency-caption').textContent = `Saliency of “${label}”`;
  const note = problem ?? (signed ? `A signed map: red pixels raise the score of “${label}”, blue ones lower it.` : '');
  $('saliency-note').textContent = note;
  $('saliency-note').hidden = !note;
  $('colormap').disabled = !!signed;
  if (problem) ['saliency-map', 'saliency-overlay'].forEach((id) => { $(id).width = 0; });
  showSaliency();
  // Announced when the answer changes, not on every stroke.
  if (top[0].label !== announced) {
    announced = top[0].label;
    $('prediction-live').textContent = `Prediction: ${top[0].label}, ${percent(top[0].probability)}.`;
  }
}

function analyze() {
  const x = state.input;
  const explain = $('explain-class').value;
  analysis?.abort();
  analysis = new AbortController();
  const options = { target: explain === '' ? undefined : Number(explain), method: $('saliency-method').value,
    signal: analysis.signal };
  analysesPending++;
  $('prediction').setAttribute('aria-busy', 'true');
  predictAndExplain(state.model.engine, x, options)
    .then((result) => showAnalysis({ x, ...result }), unlessAborted((err) => showProblem(`Prediction failed: ${err.message}`)))
    .finally(() => {
      if (--analysesPending === 0) $('prediction').setAttribute('aria-busy', 'false');
    });
}

function showSaliency() {
  if (!state.analysis) return;
  const { x, map, signed } = state.analysis;
  renderSaliency({ heatCanvas: $('saliency-map'), overlayCanvas: $('saliency-overlay') },
    { x, map, signed, channels: state.model.channels },
    { colormap: $('colormap').value, opacity: Number($('opacity').value) });
}

$('explain-class').addEventListener('change', analyze);
$('saliency-method').addEventListener('change', analyze);
$('colormap').addEventListener('change', showSaliency);
$('opacity').addEventListener('input', showSaliency);

// ---- fooling and class visualization ----

const longRuns = setupLongRuns({ current: () => ({ model: state.model, input: state.input }) });

// ---- start ----

setupLargeText($('large-text'));
openShipped(0).catch(unlessAborted((err) => showProblem(`Could not load ${SHIPPED_MODELS[0].name}: ${err.message}`)));
