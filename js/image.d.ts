import type {RGBAImage, Tensor} from './types.js';

/** Tensor channel order. GRAY is ITU-R BT.601 luma, 0.299 R + 0.587 G + 0.114 B. */
export type ChannelOrder = 'RGB' | 'BGR' | 'GRAY';

/** Heatmap colormaps; `hot`, `viridis` and `diverging` (matplotlib's `bwr`) follow matplotlib. */
export type Colormap = 'hot' | 'viridis' | 'gray' | 'diverging';

/** An input image: a browser ImageData, or the same shape with plain bytes (e.g. a decoded Node Buffer). */
export type RGBASource = {
  data: Uint8ClampedArray | Uint8Array;
  width: number;
  height: number;
};

/**
 * Converts an RGBA image into a `[1, C, H, W]` tensor with values in [0, 1].
 *
 * Alpha is composited over black (transparent pixels become 0), the MNIST
 * convention of a white digit on black. Resampling is a tent filter of radius
 * max(1, scale): exact bilinear when upscaling, area averaging followed by
 * linear interpolation when downscaling (no aliasing), as in Pillow's BILINEAR
 * and torchvision's `Resize(antialias=True)`.
 *
 * @param image ImageData-like RGBA image.
 * @param options.size Output `[H, W]`.
 * @param options.channels Channel order of the tensor; default `'RGB'`.
 * @param options.crop `'center'` (default) scales the shorter side to fit and
 *   crops the centre, like torchvision's Resize + CenterCrop; `'none'` stretches
 *   the whole image to `[H, W]`.
 * @param options.cropFraction With `crop: 'center'`, the fraction in (0, 1] of
 *   the resized shorter side that the crop keeps: the shorter side is resized to
 *   `size / cropFraction` first. `0.875` is the ImageNet convention
 *   Resize(256) + CenterCrop(224). Default 1; must be 1 with `crop: 'none'`.
 * @param options.resampler `'tent'` (default) is the float filter above.
 *   `'pillow'` reproduces, byte for byte, Pillow's
 *   `Image.resize((w, h), Image.BILINEAR)` followed by a whole-pixel crop, as a
 *   Python preprocessing script does it: 22-bit fixed-point weights, uint8
 *   rounding after each pass, GRAY via Pillow's `convert('L')` before resizing.
 *   With `crop: 'center'` the limiting side is resized to
 *   `round(side / cropFraction)`, the other side to
 *   `round(other * resized / side)` (Python's round: halves to even) and the
 *   crop starts at `floor((resized - size) / 2)`. (torchvision instead floors the
 *   long side and rounds the offset; the two differ by at most a pixel.) Use it
 *   to match reference outputs made with Pillow; values are multiples of 1/255.
 * @throws {TypeError | RangeError} on an invalid image or option.
 */
export function imageToTensor(
  image: RGBASource,
  options: {
    size: [number, number];
    channels?: ChannelOrder;
    crop?: 'center' | 'none';
    cropFraction?: number;
    resampler?: 'tent' | 'pillow';
  },
): Tensor;

/**
 * Concatenates `[1, C, H, W]` tensors (any `[n, C, H, W]` works) along the batch
 * axis into `[N, C, H, W]`. All tensors must share C, H and W.
 * @throws {TypeError | RangeError} on an empty list or mismatched shapes.
 */
export function stackTensors(tensors: Tensor[]): Tensor;

/**
 * Renders image `index` of a `[N, C, H, W]` tensor with values in [0, 1] as
 * opaque RGBA: BGR is reordered to RGB, GRAY is replicated, values outside
 * [0, 1] are clamped.
 * @param index Image in the batch; default 0.
 * @param options.channels Channel order of the tensor; defaults to `'GRAY'` for
 *   C = 1 and `'RGB'` for C = 3.
 * @throws {TypeError | RangeError} on an invalid tensor, index or channel order.
 */
export function tensorToImage(tensor: Tensor, index?: number, options?: {channels?: ChannelOrder}): RGBAImage;

/**
 * Colour-maps map `index` of a `[N, H, W]` tensor (e.g. saliency maps) into
 * opaque RGBA of size W x H.
 *
 * Values are divided by the `clip` percentile of |values| so that a few extreme
 * pixels do not wash out the rest, then clamped to [0, 1] (negative values show
 * as 0; pass magnitudes for unsigned display) or to [-1, 1] when `signed`, where
 * -1, 0 and 1 map to the colormap's start, middle and end.
 *
 * @param options.index Map in the batch; default 0.
 * @param options.colormap Default `'hot'`, or `'diverging'` when `signed`.
 *   `hot` is matplotlib's (starting at a dark red #0b0000, ending white).
 * @param options.clip Percentile in [0, 100] used for normalisation; default 99,
 *   100 = the maximum.
 * @param options.signed Keep the sign (negative blue, zero white, positive red
 *   with the diverging colormap); default false.
 * @throws {TypeError | RangeError} on an invalid map or option.
 */
export function heatmap(
  map: Tensor,
  options?: {index?: number; colormap?: Colormap; clip?: number; signed?: boolean},
): RGBAImage;

/**
 * Alpha-blends `heat` over `image` (Porter-Duff "over", using the heatmap's own
 * alpha times `alpha`; over an opaque image: (1 - alpha) * image + alpha * heat).
 * A heatmap of another size is first resized with the same filter as
 * {@link imageToTensor}.
 * @param options.alpha Heatmap opacity in [0, 1]; default 0.5.
 * @throws {TypeError | RangeError} on an invalid image or alpha.
 */
export function overlay(image: RGBASource, heat: RGBASource, options?: {alpha?: number}): RGBAImage;

/**
 * Shows the signed change `b - a` between two `[N, C, H, W]` tensors of the
 * same shape (e.g. an image and its fooling image) as
 * `0.5 + magnify * (b - a)`, clamped to [0, 1]: mid-gray where nothing changed.
 * `magnify: 10` gives the "difference x10" panel of the cs231n figure.
 * @param options.index Image in the batch; default 0.
 * @param options.magnify Non-negative gain; default 1.
 * @param options.channels As in {@link tensorToImage}.
 * @throws {TypeError | RangeError} on invalid tensors, mismatched shapes or options.
 */
export function differenceImage(
  a: Tensor,
  b: Tensor,
  options?: {index?: number; magnify?: number; channels?: ChannelOrder},
): RGBAImage;

/**
 * The q-th percentile of `values`, interpolating linearly between order
 * statistics (numpy's default method). `values` is not modified.
 * @param q Percentile in [0, 100].
 * @throws {TypeError | RangeError} on a non-array, an empty array or q out of range.
 */
export function percentile(values: readonly number[] | (ArrayLike<number> & ArrayBufferView), q: number): number;
