// Model cards: the JSON beside a model that says how pixels become the network's
// input. `(pixel * scale - mean[c]) / std[c]` per channel, pixels in [0,1], NCHW,
// in the card's channel order.
//
//   {"labels": [...], "input": {"channels": "RGB"|"BGR"|"GRAY", "size": [H, W],
//    "scale": s, "mean": [...], "std": [...]}}

const CHANNEL_COUNTS = { RGB: 3, BGR: 3, GRAY: 1 };

/** Common preprocessing conventions, for building a card. */
export const PRESETS = Object.freeze({
  torchvision: { scale: 1, mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225], channels: 'RGB' },
  caffe: { scale: 255, mean: [104, 117, 123], std: [1, 1, 1], channels: 'BGR' },
  inception: { scale: 255, mean: [128], std: [128], channels: 'RGB' },
  raw255: { scale: 255, mean: [0], std: [1], channels: 'RGB' },
  unit: { scale: 1, mean: [0], std: [1], channels: 'RGB' },
});

function fail(message) {
  throw new TypeError(`model card: ${message}`);
}

function numberList(value, name) {
  const list = typeof value === 'number' ? [value] : value;
  if (!Array.isArray(list) || list.length === 0 || !list.every((v) => typeof v === 'number' && Number.isFinite(v))) {
    fail(`input.${name} must be a number or a non-empty array of finite numbers`);
  }
  return list;
}

/**
 * Checks a card against the model's input (c, h, w) and number of classes and
 * returns it normalized (defaults filled in). A missing card means pixels go in
 * unchanged and classes are named by number.
 */
export function normalizeCard(card, { c, h, w, classes }) {
  if (card == null) card = {};
  if (typeof card !== 'object') fail('must be an object');
  const input = card.input ?? {};
  if (typeof input !== 'object') fail('input must be an object');
  const channels = input.channels ?? (c === 1 ? 'GRAY' : 'RGB');
  if (!(channels in CHANNEL_COUNTS)) fail(`input.channels must be "RGB", "BGR" or "GRAY", got ${JSON.stringify(channels)}`);
  if (CHANNEL_COUNTS[channels] !== c) fail(`input.channels is ${channels} but the model takes ${c} channel(s)`);
  const size = input.size ?? [h, w];
  if (!Array.isArray(size) || size.length !== 2 || size[0] !== h || size[1] !== w) {
    fail(`input.size ${JSON.stringify(size)} does not match the model's input ${h}x${w}`);
  }
  const scale = input.scale ?? 1;
  if (typeof scale !== 'number' || !(scale > 0) || !Number.isFinite(scale)) fail('input.scale must be a positive number');
  const mean = numberList(input.mean ?? [0], 'mean');
  const std = numberList(input.std ?? [1], 'std');
  for (const [name, list] of [['mean', mean], ['std', std]]) {
    if (list.length !== 1 && list.length !== c) fail(`input.${name} needs 1 or ${c} values, got ${list.length}`);
  }
  if (std.some((s) => !(s > 0))) fail('input.std values must be positive');
  let labels = card.labels;
  if (labels == null) labels = Array.from({ length: classes }, (_, k) => `class ${k}`);
  if (!Array.isArray(labels) || !labels.every((l) => typeof l === 'string')) fail('labels must be an array of strings');
  if (labels.length !== classes) fail(`has ${labels.length} labels but the model has ${classes} classes`);
  return { ...card, labels, input: { ...input, channels, size: [h, w], scale, mean, std } };
}
