// Drawn digits made the way MNIST's digits were: the strokes' bounding box is
// scaled, keeping its aspect ratio, to fit a 20x20 box (anti-aliased), which is
// then placed in a 28x28 image so that its centre of mass is at the centre.
// A digit drawn small or off-centre then looks like the training data, which
// matters a lot for the accuracy of a small MNIST network.
import { imageToTensor } from '../js/index.js';

const SIDE = 28;
const BOX = 20;

/** True for models whose input looks like MNIST's: one channel, 28x28. */
export function isMnistLike([, channels, height, width]) {
  return channels === 1 && height === SIDE && width === SIDE;
}

// The smallest square around the non-black pixels of an RGBA image, centred on
// them, or null when the image is all black.
function squareAroundInk({ data, width, height }) {
  let [left, top, right, bottom] = [width, height, -1, -1];
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      if (data[(y * width + x) * 4] > 0) {
        left = Math.min(left, x);
        right = Math.max(right, x);
        top = Math.min(top, y);
        bottom = Math.max(bottom, y);
      }
    }
  }
  if (right < 0) return null;
  const side = Math.max(right - left, bottom - top) + 1;
  return { x: Math.round((left + right + 1 - side) / 2), y: Math.round((top + bottom + 1 - side) / 2), side };
}

// The square cut out of the image; pixels beyond its edges are black.
function cut(image, { x, y, side }) {
  const data = new Uint8ClampedArray(side * side * 4);
  for (let row = 0; row < side; row++) {
    for (let col = 0; col < side; col++) {
      const sx = x + col;
      const sy = y + row;
      const inside = sx >= 0 && sy >= 0 && sx < image.width && sy < image.height;
      const src = (sy * image.width + sx) * 4;
      const dst = (row * side + col) * 4;
      for (let k = 0; k < 3; k++) data[dst + k] = inside ? image.data[src + k] : 0;
      data[dst + 3] = 255;
    }
  }
  return { data, width: side, height: side };
}

/** A drawing (white on black RGBA) as a [1, 1, 28, 28] tensor, MNIST-style. */
export function mnistStyleTensor(drawing) {
  const out = { data: new Float32Array(SIDE * SIDE), shape: [1, 1, SIDE, SIDE] };
  const square = squareAroundInk(drawing);
  if (!square) return out;
  const box = imageToTensor(cut(drawing, square), { size: [BOX, BOX], channels: 'GRAY', crop: 'none' }).data;
  let mass = 0;
  let sumX = 0;
  let sumY = 0;
  for (let y = 0; y < BOX; y++) {
    for (let x = 0; x < BOX; x++) {
      const v = box[y * BOX + x];
      mass += v;
      sumX += v * (x + 0.5);
      sumY += v * (y + 0.5);
    }
  }
  // Shift so the centre of mass lands on the image centre, keeping the box inside.
  const offset = (centre) => Math.min(SIDE - BOX, Math.max(0, Math.round(SIDE / 2 - centre)));
  const dx = offset(sumX / mass);
  const dy = offset(sumY / mass);
  for (let y = 0; y < BOX; y++) out.data.set(box.subarray(y * BOX, (y + 1) * BOX), (y + dy) * SIDE + dx);
  return out;
}
