/** A dense float tensor in row-major order; image batches are NCHW. */
export type Tensor = {
  data: Float32Array;
  shape: number[];
};

/** An ImageData-compatible image: row-major, 4 bytes (R, G, B, A) per pixel, not premultiplied. */
export type RGBAImage = {
  data: Uint8ClampedArray;
  width: number;
  height: number;
};
