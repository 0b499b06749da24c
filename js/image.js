/**
 * Image <-> tensor conversion and visualisation for gradlens.
 *
 * Pure JS without DOM APIs, so it runs unchanged in browsers and Node >= 18.
 * Images are ImageData-shaped `{data: RGBA bytes, width, height}` (a browser
 * ImageData fits as is); tensors are `{data: Float32Array, shape}` in NCHW order.
 *
 * Resampling: one separable triangle (tent) filter whose radius is
 * max(1, scale) source pixels, with pixel centres aligned (align_corners=false)
 * and weights renormalised at the image border. Upscaling, that is exactly
 * bilinear interpolation. Downscaling by a factor s, the tent of radius s is a
 * box of width s convolved with itself, i.e. area averaging over each output
 * pixel's footprint followed by linear interpolation, so a 1000px photo going to
 * 28px does not alias. We use it instead of a separate box pass followed by a
 * bilinear pass because it has no threshold factor where the result jumps, and it
 * is the filter of Pillow's BILINEAR resize and torchvision's
 * Resize(antialias=True), i.e. the preprocessing torchvision-trained
 * classifiers saw.
 *
 * `resampler: 'pillow'` instead reproduces a Python script doing
 * `Image.resize(..., Image.BILINEAR)` + crop bit for bit: the same tent, but with
 * Pillow's 22-bit fixed-point coefficients, rounding to uint8 after the
 * horizontal and after the vertical pass, on an image resized to whole pixels
 * and cropped at whole-pixel offsets. Use it to match reference outputs computed
 * that way; the default keeps full float precision.
 */

// ---------------------------------------------------------------- validation

function fail(ErrorType, fn, message) {
  throw new ErrorType(`${fn}: ${message}`);
}

/** A short rendering of a bad argument for error messages (never a whole pixel array). */
function describe(value) {
  if (value === null) return 'null';
  if (Array.isArray(value)) {
    return value.length <= 8 ? `[${value.map(describe).join(', ')}]` : `an array of ${value.length} elements`;
  }
  if (ArrayBuffer.isView(value)) return value.constructor.name;
  if (typeof value === 'string') return `'${value}'`;
  if (typeof value === 'object') return 'an object';
  return String(value);
}

function checkNumber(fn, name, value, min, max, integer = false) {
  if (typeof value !== 'number') fail(TypeError, fn, `${name} must be a number, got ${describe(value)}`);
  const valid = integer ? Number.isInteger(value) : Number.isFinite(value);
  if (!valid || value < min || value > max) {
    const kind = integer ? 'an integer' : 'a number';
    const range = max === Infinity ? `>= ${min}` : `in [${min}, ${max}]`;
    fail(RangeError, fn, `${name} must be ${kind} ${range}, got ${value}`);
  }
}

function checkOneOf(fn, name, value, allowed) {
  if (!allowed.includes(value)) {
    fail(RangeError, fn, `${name} must be one of ${allowed.map(describe).join(', ')}, got ${describe(value)}`);
  }
}

function checkImage(fn, name, image) {
  if (typeof image !== 'object' || image === null) {
    fail(TypeError, fn, `${name} must be an ImageData-like {data, width, height}, got ${describe(image)}`);
  }
  const {data, width, height} = image;
  if (!(data instanceof Uint8ClampedArray || data instanceof Uint8Array)) {
    fail(TypeError, fn, `${name}.data must be a Uint8ClampedArray or Uint8Array, got ${describe(data)}`);
  }
  checkNumber(fn, `${name}.width`, width, 1, Infinity, true);
  checkNumber(fn, `${name}.height`, height, 1, Infinity, true);
  if (data.length !== width * height * 4) {
    fail(RangeError, fn, `${name}.data has ${data.length} bytes, expected width*height*4 = ${width * height * 4}`);
  }
}

/** Checks a tensor against dimension labels such as 'NCHW'; returns its shape. */
function checkTensor(fn, name, tensor, dims) {
  if (typeof tensor !== 'object' || tensor === null) {
    fail(TypeError, fn, `${name} must be a tensor {data, shape}, got ${describe(tensor)}`);
  }
  const {data, shape} = tensor;
  if (!(data instanceof Float32Array)) fail(TypeError, fn, `${name}.data must be a Float32Array, got ${describe(data)}`);
  if (!Array.isArray(shape)) fail(TypeError, fn, `${name}.shape must be an array, got ${describe(shape)}`);
  const labels = [...dims];
  if (shape.length !== labels.length || !shape.every((d) => Number.isInteger(d) && d >= 1)) {
    fail(RangeError, fn, `${name}.shape must be [${labels.join(', ')}] of positive integers, got ${describe(shape)}`);
  }
  const expected = shape.reduce((product, d) => product * d, 1);
  if (data.length !== expected) {
    fail(RangeError, fn, `${name}.data has ${data.length} elements, expected ${labels.join('*')} = ${expected}`);
  }
  return shape;
}

// ---------------------------------------------------------------- channels

// Per channel order: the weights turning composited RGB into each tensor channel
// (GRAY is ITU-R BT.601 luma), and the tensor channel shown as display R, G, B.
const CHANNELS = {
  RGB: {weights: [[1, 0, 0], [0, 1, 0], [0, 0, 1]], display: [0, 1, 2]},
  BGR: {weights: [[0, 0, 1], [0, 1, 0], [1, 0, 0]], display: [2, 1, 0]},
  GRAY: {weights: [[0.299, 0.587, 0.114]], display: [0, 0, 0]},
};
const CHANNEL_NAMES = Object.keys(CHANNELS);

/** Validates a channel order against a tensor's C; returns its display mapping. */
function displayChannels(fn, C, channels = C === 1 ? 'GRAY' : 'RGB') {
  checkOneOf(fn, 'channels', channels, CHANNEL_NAMES);
  const count = CHANNELS[channels].weights.length;
  if (count !== C) fail(RangeError, fn, `channels '${channels}' needs C = ${count}, but the tensor has C = ${C}`);
  return CHANNELS[channels].display;
}

function rgbToPlanes(rgb, weights) {
  const pixels = rgb.length / 3;
  const planes = new Float32Array(weights.length * pixels);
  weights.forEach(([r, g, b], k) => {
    for (let p = 0; p < pixels; p++) {
      planes[k * pixels + p] = r * rgb[3 * p] + g * rgb[3 * p + 1] + b * rgb[3 * p + 2];
    }
  });
  return planes;
}

/** Renders one [C, H, W] image starting at `offset` of `data` (values in [0, 1]) as RGBA. */
function planesToRGBA(data, offset, height, width, display) {
  const pixels = height * width;
  const out = new Uint8ClampedArray(pixels * 4);
  for (let p = 0; p < pixels; p++) {
    // Uint8ClampedArray clamps out-of-range values to [0, 255] and rounds.
    for (let k = 0; k < 3; k++) out[4 * p + k] = data[offset + display[k] * pixels + p] * 255;
    out[4 * p + 3] = 255;
  }
  return {data: out, width, height};
}

// ---------------------------------------------------------------- resampling

/**
 * The source rectangle (fractional pixels) mapped onto an outW x outH output.
 * 'center' is the largest centred rectangle with the output's aspect ratio, the
 * same pixels torchvision's Resize(shorter side) + CenterCrop keeps, shrunk by
 * cropFraction (0.875: Resize(256) + CenterCrop(224)); 'none' is the whole
 * image, stretched.
 */
function cropRegion(width, height, outW, outH, crop, cropFraction = 1) {
  if (crop === 'none') return {x: 0, y: 0, width, height};
  const scale = Math.min(width / outW, height / outH) * cropFraction;
  const w = outW * scale;
  const h = outH * scale;
  return {x: (width - w) / 2, y: (height - h) / 2, width: w, height: h};
}

/**
 * Tent-filter taps along one axis: output pixel i reads source pixels
 * first..first+weights.length-1. Weights outside the image are dropped and the
 * rest renormalised, which for upscaling equals clamping to the edge pixel.
 */
function filterTaps(srcSize, start, length, size) {
  const scale = length / size;
  const radius = Math.max(1, scale);
  const taps = [];
  for (let i = 0; i < size; i++) {
    const center = start + (i + 0.5) * scale;
    const first = Math.max(0, Math.floor(center - radius));
    const end = Math.min(srcSize, Math.ceil(center + radius));
    const weights = new Float64Array(end - first);
    for (let j = first; j < end; j++) weights[j - first] = Math.max(0, 1 - Math.abs(j + 0.5 - center) / radius);
    const total = weights.reduce((sum, w) => sum + w, 0);
    taps.push({first, weights: weights.map((w) => w / total)});
  }
  return taps;
}

/** Applies taps along one line of an interleaved buffer (both passes use it). */
function filterLine(src, srcBase, srcStride, dst, dstBase, dstStride, taps, channels) {
  taps.forEach(({first, weights}, i) => {
    for (let c = 0; c < channels; c++) {
      let sum = 0;
      for (let k = 0; k < weights.length; k++) sum += weights[k] * src[srcBase + (first + k) * srcStride + c];
      dst[dstBase + i * dstStride + c] = sum;
    }
  });
}

/**
 * Resamples `region` of a source onto outW x outH, returning interleaved floats.
 * The source hands out one row at a time via readRow(y, Float32Array), so a large
 * photo is never copied whole into floats; only rows the filter touches are read.
 */
function resample({width, height, channels, readRow}, region, outW, outH) {
  const xTaps = filterTaps(width, region.x, region.width, outW);
  const yTaps = filterTaps(height, region.y, region.height, outH);
  const firstRow = yTaps[0].first;
  const endRow = yTaps.at(-1).first + yTaps.at(-1).weights.length;
  const stride = outW * channels;
  const row = new Float32Array(width * channels);
  const rows = new Float32Array((endRow - firstRow) * stride);
  for (let y = firstRow; y < endRow; y++) {
    readRow(y, row);
    filterLine(row, 0, channels, rows, (y - firstRow) * stride, channels, xTaps, channels);
  }
  const out = new Float32Array(outH * stride);
  for (let x = 0; x < outW; x++) {
    filterLine(rows, x * channels - firstRow * stride, stride, out, x * channels, stride, yTaps, channels);
  }
  return out;
}

/**
 * RGB rows in [0, 1] with alpha composited over black: transparent pixels become
 * black, the MNIST convention (white digit on black). Compositing before
 * filtering also keeps the arbitrary colour of transparent pixels from bleeding
 * into their neighbours.
 */
function compositedRGBRows({data, width, height}) {
  const readRow = (y, row) => {
    for (let x = 0, i = y * width * 4; x < width; x++, i += 4) {
      const coverage = data[i + 3] / (255 * 255);
      for (let c = 0; c < 3; c++) row[3 * x + c] = data[i + c] * coverage;
    }
  };
  return {width, height, channels: 3, readRow};
}

/** Raw RGBA rows in [0, 255], for resizing display images. */
function rgbaRows({data, width, height}) {
  const readRow = (y, row) => row.set(data.subarray(y * width * 4, (y + 1) * width * 4));
  return {width, height, channels: 4, readRow};
}

// ---------------------------------------------------------------- Pillow-exact resampling

// Pillow's fixed point for 8-bit resampling (Resample.c: PRECISION_BITS = 32 - 8 - 2).
const PILLOW_ONE = 2 ** 22;

/** Python's round(): halves go to the even neighbour (x >= 0 here). */
function roundHalfEven(x) {
  const r = Math.round(x);
  return r - x === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/**
 * Pillow's BILINEAR taps for resizing inSize to outSize (precompute_coeffs and
 * normalize_coeffs_8bpc, operation for operation): weights scaled by 2^22 and
 * rounded to integers.
 */
function pillowTaps(inSize, outSize) {
  const scale = inSize / outSize;
  const filterScale = Math.max(1, scale);
  const inverse = 1 / filterScale;
  const taps = [];
  for (let i = 0; i < outSize; i++) {
    const center = (i + 0.5) * scale;
    const first = Math.max(0, Math.trunc(center - filterScale + 0.5));
    const end = Math.min(inSize, Math.trunc(center + filterScale + 0.5));
    const weights = new Float64Array(Math.max(0, end - first));
    let total = 0;
    for (let j = first; j < end; j++) {
      const t = Math.abs((j - center + 0.5) * inverse);
      weights[j - first] = t < 1 ? 1 - t : 0;
      total += weights[j - first];
    }
    taps.push({first, weights: weights.map((w) => Math.trunc(0.5 + (total ? w / total : w) * PILLOW_ONE))});
  }
  return taps;
}

/** filterLine in Pillow's integer arithmetic: round half up, then clamp to [0, 255]. */
function pillowLine(src, srcBase, srcStride, dst, dstBase, dstStride, taps, channels) {
  taps.forEach(({first, weights}, i) => {
    for (let c = 0; c < channels; c++) {
      let sum = PILLOW_ONE / 2;
      for (let k = 0; k < weights.length; k++) sum += weights[k] * src[srcBase + (first + k) * srcStride + c];
      dst[dstBase + i * dstStride + c] = Math.min(255, Math.max(0, Math.floor(sum / PILLOW_ONE)));
    }
  });
}

/**
 * Pillow's `Image.resize((resizedW, resizedH), BILINEAR).crop(window)` on a
 * uint8 source: horizontal pass, uint8, vertical pass, uint8. Only the output
 * pixels inside `window` and the source rows they need are computed.
 */
function pillowResample({width, height, channels, readRow}, resizedW, resizedH, window) {
  const xTaps = pillowTaps(width, resizedW).slice(window.x, window.x + window.width);
  const yTaps = pillowTaps(height, resizedH).slice(window.y, window.y + window.height);
  const firstRow = Math.min(...yTaps.map((tap) => tap.first));
  const endRow = Math.max(...yTaps.map((tap) => tap.first + tap.weights.length));
  const stride = window.width * channels;
  const row = new Uint8Array(width * channels);
  const rows = new Uint8Array((endRow - firstRow) * stride);
  for (let y = firstRow; y < endRow; y++) {
    readRow(y, row);
    pillowLine(row, 0, channels, rows, (y - firstRow) * stride, channels, xTaps, channels);
  }
  const out = new Uint8Array(window.height * stride);
  for (let x = 0; x < window.width; x++) {
    pillowLine(rows, x * channels - firstRow * stride, stride, out, x * channels, stride, yTaps, channels);
  }
  return out;
}

/**
 * Whole-pixel geometry of the 'pillow' resampler: the size the image is resized
 * to and the window cropped from it. 'center' resizes the side that limits the
 * crop to round(side / cropFraction) and the other in proportion, rounding half
 * to even like Python's round(), and crops at floor((resized - out) / 2).
 */
function pillowGeometry(width, height, outW, outH, crop, cropFraction) {
  let resizedW = outW;
  let resizedH = outH;
  if (crop === 'center') {
    if (outW * height >= outH * width) {
      resizedW = roundHalfEven(outW / cropFraction);
      resizedH = Math.max(outH, roundHalfEven((height * resizedW) / width));
    } else {
      resizedH = roundHalfEven(outH / cropFraction);
      resizedW = Math.max(outW, roundHalfEven((width * resizedH) / height));
    }
  }
  const window = {x: Math.floor((resizedW - outW) / 2), y: Math.floor((resizedH - outH) / 2), width: outW, height: outH};
  return {resizedW, resizedH, window};
}

/**
 * uint8 rows for the 'pillow' resampler: RGB with alpha composited over black
 * and rounded (opaque pixels pass unchanged, as in Pillow's convert('RGB')), or,
 * for GRAY, Pillow's convert('L') of that: (19595 R + 38470 G + 7471 B + 2^15) >> 16.
 */
function pillowRows({data, width, height}, gray) {
  const readRow = (y, row) => {
    const rgb = [0, 0, 0];
    for (let x = 0, i = y * width * 4; x < width; x++, i += 4) {
      const a = data[i + 3];
      for (let c = 0; c < 3; c++) rgb[c] = a === 255 ? data[i + c] : Math.round((data[i + c] * a) / 255);
      if (gray) row[x] = (19595 * rgb[0] + 38470 * rgb[1] + 7471 * rgb[2] + 32768) >> 16;
      else for (let c = 0; c < 3; c++) row[3 * x + c] = rgb[c];
    }
  };
  return {width, height, channels: gray ? 1 : 3, readRow};
}

function resizeRGBA(image, width, height) {
  const whole = cropRegion(image.width, image.height, width, height, 'none');
  return Uint8ClampedArray.from(resample(rgbaRows(image), whole, width, height));
}

// ---------------------------------------------------------------- colormaps

// matplotlib's 256-entry viridis table (_cm_listed.py), as 8-bit hex.
const VIRIDIS_HEX =
  '44015444025645045745055946075a46085c460a5d460b5e470d60470e61471063471164' +
  '47136548146748166848176948186a481a6c481b6d481c6e481d6f481f70482071482173' +
  '482374482475482576482677482878482979472a7a472c7a472d7b472e7c472f7d46307e' +
  '46327e46337f463480453581453781453882443983443a83443b84433d84433e85423f85' +
  '4240864241864142874144874045884046883f47883f48893e49893e4a893e4c8a3d4d8a' +
  '3d4e8a3c4f8a3c508b3b518b3b528b3a538b3a548c39558c39568c38588c38598c375a8c' +
  '375b8d365c8d365d8d355e8d355f8d34608d34618d33628d33638d32648e32658e31668e' +
  '31678e31688e30698e306a8e2f6b8e2f6c8e2e6d8e2e6e8e2e6f8e2d708e2d718e2c718e' +
  '2c728e2c738e2b748e2b758e2a768e2a778e2a788e29798e297a8e297b8e287c8e287d8e' +
  '277e8e277f8e27808e26818e26828e26828e25838e25848e25858e24868e24878e23888e' +
  '23898e238a8d228b8d228c8d228d8d218e8d218f8d21908d21918c20928c20928c20938c' +
  '1f948c1f958b1f968b1f978b1f988b1f998a1f9a8a1e9b8a1e9c891e9d891f9e891f9f88' +
  '1fa0881fa1881fa1871fa28720a38620a48621a58521a68522a78522a88423a98324aa83' +
  '25ab8225ac8226ad8127ad8128ae8029af7f2ab07f2cb17e2db27d2eb37c2fb47c31b57b' +
  '32b67a34b67935b77937b87838b9773aba763bbb753dbc743fbc7340bd7242be7144bf70' +
  '46c06f48c16e4ac16d4cc26c4ec36b50c46a52c56954c56856c66758c7655ac8645cc863' +
  '5ec96260ca6063cb5f65cb5e67cc5c69cd5b6ccd5a6ece5870cf5773d05675d05477d153' +
  '7ad1517cd2507fd34e81d34d84d44b86d54989d5488bd6468ed64590d74393d74195d840' +
  '98d83e9bd93c9dd93ba0da39a2da37a5db36a8db34aadc32addc30b0dd2fb2dd2db5de2b' +
  'b8de29bade28bddf26c0df25c2df23c5e021c8e020cae11fcde11dd0e11cd2e21bd5e21a' +
  'd8e219dae319dde318dfe318e2e418e5e419e7e419eae51aece51befe51cf1e51df4e61e' +
  'f6e620f8e621fbe723fde725';

// Piecewise-linear [position, 'rrggbb'] stops on [0, 1].
const COLORMAP_STOPS = {
  // matplotlib's 'hot' segment data on common breakpoints; it starts at a dark red (0.0416, 0, 0).
  hot: [[0, '0b0000'], [0.365079, 'ff0000'], [0.746032, 'ffff00'], [1, 'ffffff']],
  viridis: VIRIDIS_HEX.match(/.{6}/g).map((hex, k) => [k / 255, hex]),
  gray: [[0, '000000'], [1, 'ffffff']],
  // matplotlib's 'bwr': -1 blue, 0 white, +1 red.
  diverging: [[0, '0000ff'], [0.5, 'ffffff'], [1, 'ff0000']],
};

// Lookup tables have an odd number of entries so that 0 of a signed map falls
// exactly on the middle one (pure white for 'diverging'); 511 entries are finer
// than matplotlib's 256, so viridis stays within its table's 8-bit rounding.
const LUT_STEPS = 510;

/** Samples piecewise-linear stops into an RGB lookup table of LUT_STEPS + 1 entries. */
function buildLut(stops) {
  const points = stops.map(([position, hex]) => [position, [0, 2, 4].map((k) => parseInt(hex.slice(k, k + 2), 16))]);
  const lut = new Uint8ClampedArray((LUT_STEPS + 1) * 3);
  for (let i = 0, s = 0; i <= LUT_STEPS; i++) {
    const u = i / LUT_STEPS;
    while (s < points.length - 2 && u > points[s + 1][0]) s++;
    const [[p0, c0], [p1, c1]] = [points[s], points[s + 1]];
    const f = (u - p0) / (p1 - p0);
    for (let c = 0; c < 3; c++) lut[3 * i + c] = c0[c] + (c1[c] - c0[c]) * f;
  }
  return lut;
}

const COLORMAPS = Object.fromEntries(Object.entries(COLORMAP_STOPS).map(([name, stops]) => [name, buildLut(stops)]));

/**
 * The clip-th percentile of |values|. Falls back to the max when that percentile
 * is 0 (a mostly-zero map), and to 1 for an all-zero map, so we never divide by 0.
 */
function normalizationScale(values, clip) {
  const magnitudes = Float64Array.from(values, Math.abs);
  return percentile(magnitudes, clip) || percentile(magnitudes, 100) || 1;
}

// ---------------------------------------------------------------- public API

/** Percentile with linear interpolation between order statistics (numpy's default). */
export function percentile(values, q) {
  const fn = 'percentile';
  if (!Array.isArray(values) && !(ArrayBuffer.isView(values) && !(values instanceof DataView))) {
    fail(TypeError, fn, `values must be an array or typed array of numbers, got ${describe(values)}`);
  }
  if (values.length === 0) fail(RangeError, fn, 'values is empty');
  checkNumber(fn, 'q', q, 0, 100);
  const sorted = Float64Array.from(values).sort();
  const position = (q / 100) * (sorted.length - 1);
  const below = Math.floor(position);
  const above = Math.min(below + 1, sorted.length - 1);
  return sorted[below] + (sorted[above] - sorted[below]) * (position - below);
}

/** ImageData-like RGBA image -> [1, C, H, W] tensor in [0, 1]. */
export function imageToTensor(image, {size, channels = 'RGB', crop = 'center', cropFraction = 1, resampler = 'tent'} = {}) {
  const fn = 'imageToTensor';
  checkImage(fn, 'image', image);
  if (!Array.isArray(size)) fail(TypeError, fn, `size must be an array [H, W], got ${describe(size)}`);
  if (size.length !== 2) fail(RangeError, fn, `size must be [H, W], got ${describe(size)}`);
  const [H, W] = size;
  checkNumber(fn, 'size[0]', H, 1, Infinity, true);
  checkNumber(fn, 'size[1]', W, 1, Infinity, true);
  checkOneOf(fn, 'channels', channels, CHANNEL_NAMES);
  checkOneOf(fn, 'crop', crop, ['center', 'none']);
  if (typeof cropFraction !== 'number') fail(TypeError, fn, `cropFraction must be a number, got ${describe(cropFraction)}`);
  if (!(cropFraction > 0 && cropFraction <= 1)) fail(RangeError, fn, `cropFraction must be a number in (0, 1], got ${cropFraction}`);
  if (crop === 'none' && cropFraction !== 1) {
    fail(RangeError, fn, `cropFraction applies to crop 'center' only; with crop 'none' it must be 1, got ${cropFraction}`);
  }
  checkOneOf(fn, 'resampler', resampler, ['tent', 'pillow']);
  const {weights} = CHANNELS[channels];
  const shape = [1, weights.length, H, W];
  if (resampler === 'pillow') {
    const {resizedW, resizedH, window} = pillowGeometry(image.width, image.height, W, H, crop, cropFraction);
    const gray = channels === 'GRAY';
    const bytes = pillowResample(pillowRows(image, gray), resizedW, resizedH, window);
    const values = Float32Array.from(bytes, (v) => v / 255);
    return {data: gray ? values : rgbToPlanes(values, weights), shape};
  }
  const region = cropRegion(image.width, image.height, W, H, crop, cropFraction);
  const rgb = resample(compositedRGBRows(image), region, W, H);
  return {data: rgbToPlanes(rgb, weights), shape};
}

/** Concatenates [n, C, H, W] tensors (usually n = 1) along the batch axis. */
export function stackTensors(tensors) {
  const fn = 'stackTensors';
  if (!Array.isArray(tensors)) fail(TypeError, fn, `tensors must be an array of [1, C, H, W] tensors, got ${describe(tensors)}`);
  if (tensors.length === 0) fail(RangeError, fn, 'tensors is empty');
  const shapes = tensors.map((tensor, i) => checkTensor(fn, `tensors[${i}]`, tensor, 'NCHW'));
  const [, C, H, W] = shapes[0];
  shapes.forEach((shape, i) => {
    if (String(shape.slice(1)) !== String([C, H, W])) {
      fail(RangeError, fn, `tensors[${i}] has shape ${describe(shape)}, expected [n, ${C}, ${H}, ${W}] like tensors[0]`);
    }
  });
  const N = shapes.reduce((sum, shape) => sum + shape[0], 0);
  const data = new Float32Array(N * C * H * W);
  let offset = 0;
  for (const tensor of tensors) {
    data.set(tensor.data, offset);
    offset += tensor.data.length;
  }
  return {data, shape: [N, C, H, W]};
}

/** One image of a [N, C, H, W] tensor in [0, 1] -> RGBA for display. */
export function tensorToImage(tensor, index = 0, {channels} = {}) {
  const fn = 'tensorToImage';
  const [N, C, H, W] = checkTensor(fn, 'tensor', tensor, 'NCHW');
  checkNumber(fn, 'index', index, 0, N - 1, true);
  const display = displayChannels(fn, C, channels);
  return planesToRGBA(tensor.data, index * C * H * W, H, W, display);
}

/** One [H, W] map of a [N, H, W] tensor -> colour-mapped RGBA. */
export function heatmap(map, {index = 0, colormap, clip = 99, signed = false} = {}) {
  const fn = 'heatmap';
  const [N, H, W] = checkTensor(fn, 'map', map, 'NHW');
  checkNumber(fn, 'index', index, 0, N - 1, true);
  if (typeof signed !== 'boolean') fail(TypeError, fn, `signed must be a boolean, got ${describe(signed)}`);
  const name = colormap ?? (signed ? 'diverging' : 'hot');
  checkOneOf(fn, 'colormap', name, Object.keys(COLORMAPS));
  checkNumber(fn, 'clip', clip, 0, 100);
  const values = map.data.subarray(index * H * W, (index + 1) * H * W);
  const scale = normalizationScale(values, clip);
  const lut = COLORMAPS[name];
  const out = new Uint8ClampedArray(H * W * 4);
  values.forEach((value, p) => {
    const t = Math.min(1, Math.max(signed ? -1 : 0, value / scale));
    const entry = 3 * Math.round((signed ? (t + 1) / 2 : t) * LUT_STEPS);
    out.set(lut.subarray(entry, entry + 3), 4 * p);
    out[4 * p + 3] = 255;
  });
  return {data: out, width: W, height: H};
}

/** Alpha-blends an RGBA heatmap over an RGBA image, resizing the heatmap if needed. */
export function overlay(image, heat, {alpha = 0.5} = {}) {
  const fn = 'overlay';
  checkImage(fn, 'image', image);
  checkImage(fn, 'heat', heat);
  checkNumber(fn, 'alpha', alpha, 0, 1);
  const {width, height} = image;
  const top = heat.width === width && heat.height === height ? heat.data : resizeRGBA(heat, width, height);
  const out = new Uint8ClampedArray(width * height * 4);
  for (let i = 0; i < out.length; i += 4) {
    // Porter-Duff "over" with the heatmap's own alpha scaled by `alpha`; over an
    // opaque image this is the plain (1 - a) * image + a * heat.
    const a = (alpha * top[i + 3]) / 255;
    const below = (image.data[i + 3] / 255) * (1 - a);
    const coverage = a + below;
    for (let c = 0; c < 3; c++) out[i + c] = coverage > 0 ? (top[i + c] * a + image.data[i + c] * below) / coverage : 0;
    out[i + 3] = coverage * 255;
  }
  return {data: out, width, height};
}

/** The signed change b - a of one image as 0.5 + magnify * (b - a), clamped, in RGBA. */
export function differenceImage(a, b, {index = 0, magnify = 1, channels} = {}) {
  const fn = 'differenceImage';
  const [N, C, H, W] = checkTensor(fn, 'a', a, 'NCHW');
  checkTensor(fn, 'b', b, 'NCHW');
  if (String(a.shape) !== String(b.shape)) {
    fail(RangeError, fn, `a has shape ${describe(a.shape)} but b has shape ${describe(b.shape)}`);
  }
  checkNumber(fn, 'index', index, 0, N - 1, true);
  checkNumber(fn, 'magnify', magnify, 0, Infinity);
  const display = displayChannels(fn, C, channels);
  const size = C * H * W;
  const offset = index * size;
  const shown = new Float32Array(size);
  for (let i = 0; i < size; i++) shown[i] = 0.5 + magnify * (b.data[offset + i] - a.data[offset + i]);
  return planesToRGBA(shown, 0, H, W, display);
}
