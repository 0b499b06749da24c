// Putting an RGBA image on a canvas at its own resolution; CSS sizes the canvas.

// Below this width an image is magnified a lot on screen: keep its pixels crisp
// (nearest neighbour) instead of blurring them.
const CRISP_BELOW = 100;

export function paintImage(canvas, image) {
  canvas.width = image.width;
  canvas.height = image.height;
  canvas.getContext('2d').putImageData(new ImageData(image.data, image.width, image.height), 0, 0);
  canvas.classList.toggle('crisp', image.width < CRISP_BELOW);
}
