// "Open ONNX model…": a dialog to open a local model with its card (a JSON file),
// or with preprocessing from a preset plus a labels file (one class per line).
// The input size always comes from the model itself.
import { PRESETS } from '../js/index.js';

const PRESET_NAMES = {
  torchvision: 'torchvision ImageNet (RGB, mean/std)',
  caffe: 'Caffe (BGR, 0–255, mean 104/117/123)',
  inception: 'TF Inception (RGB, −1 to 1)',
  raw255: 'Raw pixels, 0–255',
  unit: 'Pixels 0–1',
};

function numberList(text, what) {
  const list = text.split(/[\s,]+/).filter(Boolean).map(Number);
  if (!list.length || list.some((v) => !Number.isFinite(v))) {
    throw new Error(`${what}: give one number, or one per channel separated by commas`);
  }
  return list;
}

async function readLabels(file) {
  return (await file.text()).split(/\r?\n/).map((line) => line.trim()).filter(Boolean);
}

async function readCardFile(file) {
  try {
    return JSON.parse(await file.text());
  } catch (err) {
    throw new Error(`${file.name} is not valid JSON: ${err.message}`);
  }
}

export class OpenModelDialog {
  #dialog;
  #fields;
  #onOpen;

  /** onOpen({name, source, card}) loads the model; a rejection is shown in the dialog. */
  constructor(dialog, { onOpen }) {
    this.#dialog = dialog;
    this.#onOpen = onOpen;
    const $ = (id) => dialog.querySelector(`#${id}`);
    this.#fields = {
      form: $('open-form'), model: $('onnx-file'), card: $('card-file'), labels: $('labels-file'),
      preprocessing: $('preprocessing'), preset: $('preset'), channels: $('channels'), scale: $('scale'),
      mean: $('mean'), std: $('std'), error: $('open-error'), submit: $('open-submit'), cancel: $('open-cancel'),
    };
    const f = this.#fields;
    f.preset.replaceChildren(...Object.keys(PRESETS).map((key) => new Option(PRESET_NAMES[key] ?? key, key)));
    f.preset.addEventListener('change', () => this.#applyPreset());
    this.#applyPreset();
    // A card file says everything the preprocessing fields would.
    f.card.addEventListener('change', () => { f.preprocessing.disabled = f.card.files.length > 0; });
    f.cancel.addEventListener('click', () => dialog.close());
    f.form.addEventListener('submit', (event) => {
      event.preventDefault();
      this.#submit();
    });
  }

  /** Opens the dialog, with dropped files ({models, cards, labels}) already chosen. */
  open({ models = [], cards = [], labels = [] } = {}) {
    const f = this.#fields;
    f.error.textContent = '';
    for (const [input, file] of [[f.model, models[0]], [f.card, cards[0]], [f.labels, labels[0]]]) {
      if (!file) continue;
      const transfer = new DataTransfer();
      transfer.items.add(file);
      input.files = transfer.files;
      input.dispatchEvent(new Event('change'));
    }
    if (!this.#dialog.open) this.#dialog.showModal();
  }

  get isOpen() {
    return this.#dialog.open;
  }

  #applyPreset() {
    const f = this.#fields;
    const { channels, scale, mean, std } = PRESETS[f.preset.value];
    f.channels.value = channels;
    f.scale.value = String(scale);
    f.mean.value = mean.join(', ');
    f.std.value = std.join(', ');
  }

  async #card() {
    const f = this.#fields;
    const card = f.card.files.length ? await readCardFile(f.card.files[0]) : {
      input: {
        channels: f.channels.value,
        scale: numberList(f.scale.value, 'Scale')[0],
        mean: numberList(f.mean.value, 'Mean'),
        std: numberList(f.std.value, 'Std'),
      },
    };
    if (f.labels.files.length) card.labels = await readLabels(f.labels.files[0]);
    return card;
  }

  async #submit() {
    const f = this.#fields;
    const file = f.model.files[0];
    f.error.textContent = '';
    f.submit.disabled = true;
    f.submit.textContent = 'Opening…';
    try {
      await this.#onOpen({ name: file.name, source: file, card: await this.#card() });
      this.#dialog.close();
    } catch (err) {
      f.error.textContent = `Could not open ${file.name}: ${err.message}`;
    } finally {
      f.submit.disabled = false;
      f.submit.textContent = 'Open';
    }
  }
}
