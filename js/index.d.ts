// Type declarations for gradlens (js/index.js).
import type { RGBAImage, Tensor } from './types.js';
import type { ChannelOrder, Colormap } from './image.js';

export type { RGBAImage, Tensor } from './types.js';
export * from './image.js';

/**
 * Composes rows of RGBA images into one image, each magnified `scale` times
 * (nearest neighbour), cells `gap` pixels apart on `background`. null = empty cell.
 */
export function montage(rows: (RGBAImage | null)[][], options?: { scale?: number; gap?: number; background?: [number, number, number, number] }): RGBAImage;

/**
 * The cs231n fooling panels of image `index`: original, fooling image, difference,
 * difference x10 (mid-grey where nothing changed). x and fooled: [N, C, H, W].
 */
export function foolingPanels(x: Tensor, fooled: Tensor, options?: { index?: number; channels?: ChannelOrder }): RGBAImage[];

/**
 * The saliency panels of image `index`: the map colour-mapped, and laid over the
 * image as the model saw it (alpha: its opacity, default 0.5). Signed maps use the
 * diverging colormap and colour only where |value| is large.
 */
export function saliencyPanels(x: Tensor, map: Tensor, options?: { index?: number; signed?: boolean; colormap?: Colormap;
  alpha?: number; channels?: ChannelOrder }): { heatmap: RGBAImage; overlay: RGBAImage };

/** Kinds of engine errors. */
export type ErrorCode = 'argument' | 'model' | 'unsupported' | 'out-of-memory' | 'cancelled';

/** An error reported by the engine; `name` is 'AbortError' for cancelled runs. */
export class GradlensError extends Error {
  code: ErrorCode;
}

/** True when this runtime accepts WebAssembly SIMD128 (then the SIMD build is used). */
export function simdSupported(): boolean;

export interface EngineOptions {
  /** Force the SIMD (true) or baseline (false) build; default: detected. */
  simd?: boolean;
  /**
   * Threads to split each layer's work across, this one included (at most 16).
   * Default (0 or omitted), as onnxruntime-web: half the logical cores rounded up,
   * at most 4. More than 1 runs gradlens-simd-mt.wasm, which needs SharedArrayBuffer:
   * Node, or a cross-origin isolated page (COOP: same-origin, COEP: require-corp);
   * elsewhere, or without SIMD, the engine runs on one thread and says why in
   * `threadsNote`. On a page's main thread the engine's thread spin-waits for the
   * others (Atomics.wait is not allowed there): prefer createWorker.
   */
  threads?: number;
  /**
   * Where the .wasm file is, for unusual hosting (a CDN, a server that does not
   * serve the package's dist/ folder): gradlens-simd.wasm or gradlens.wasm, to
   * match `simd`, or gradlens-simd-mt.wasm for threads (recognized by its shared
   * memory). Relative URLs resolve against js/engine.js. Default:
   * ../dist/ next to js/, which bundlers such as Vite emit with the build.
   */
  wasmUrl?: string | URL;
  /** The .wasm bytes themselves. */
  wasmBinary?: Uint8Array | ArrayBuffer;
}

/** The loaded engine (its other members are internal). */
export interface Engine {
  /** Whether the SIMD build runs (the threaded build is SIMD). */
  readonly simd: boolean;
  /** Threads each layer's work is split across, this one included. */
  readonly threads: number;
  /** Why fewer threads run than were asked for (or than the default would use), else null. */
  readonly threadsNote: string | null;
  /** Uses n threads from now on, at most as many as were started; returns how many are in use. */
  setThreads(n: number): number;
}

/** Loads the engine once; only the first call's options count. */
export function loadEngine(options?: EngineOptions): Promise<Engine>;

/** How pixels in [0,1] become the network's input: (p * scale - mean[c]) / std[c]. */
export interface CardInput {
  channels?: 'RGB' | 'BGR' | 'GRAY';
  size?: [number, number];
  scale?: number;
  mean?: number[] | number;
  std?: number[] | number;
}

/** A model card: the JSON beside a model. Extra fields are kept. */
export interface ModelCard {
  labels?: string[];
  input?: CardInput;
  [key: string]: unknown;
}

export interface NormalizedCard extends ModelCard {
  labels: string[];
  input: Required<CardInput>;
}

/** Preprocessing conventions: torchvision, caffe (BGR, 0..255), inception (TF), raw255, unit. */
export const PRESETS: Readonly<Record<'torchvision' | 'caffe' | 'inception' | 'raw255' | 'unit', Required<Omit<CardInput, 'size'>>>>;

/** Checks a card against a model's input and class count, filling in defaults. */
export function normalizeCard(card: ModelCard | null | undefined, model: { c: number; h: number; w: number; classes: number }): NormalizedCard;

/** One class id for every image, or one per image. */
export type Targets = number | number[] | Int32Array;

export interface Progress {
  iteration: number;
  /** fool: the target's softmax probability per image; visualizeClass: the target's score. */
  values: number[];
}

/** Return false to cancel (the call then throws an AbortError). */
export type ProgressCallback = (progress: Progress) => boolean | void;

export type SaliencyMethod = 'vanilla' | 'smoothgrad' | 'integrated-gradients' | 'gradient-x-input' | 'grad-cam' | 'guided-backprop';
export type Attack = 'cs231n' | 'fgsm' | 'pgd';
/** Every saliency method the engine offers, for method selectors. */
export const SALIENCY_METHODS: readonly SaliencyMethod[];
/** Every attack the engine offers. */
export const ATTACKS: readonly Attack[];

export interface SaliencyOptions {
  target: Targets;
  method?: SaliencyMethod;
  /** smoothgrad: noisy copies (25), noise sigma as a fraction of the pixel range (0.15), average g^2, seed. */
  samples?: number;
  sigma?: number;
  squared?: boolean;
  seed?: number;
  /** integrated-gradients: path steps (32), baseline (black, blurred or a tensor like x), the blur's sigma. */
  steps?: number;
  baseline?: 'black' | 'blurred' | Tensor;
  blurSigma?: number;
  /** grad-cam: the node output to explain; default the last conv layer before global pooling. */
  layer?: string;
}

export interface SaliencyResult {
  method: SaliencyMethod;
  /** (N, H, W); signed maps (integrated-gradients, gradient-x-input) want a diverging colormap. */
  map: Tensor;
  signed: boolean;
  /** vanilla, smoothgrad, guided-backprop: (N, C, H, W). */
  grad?: Tensor;
  /** integrated-gradients, gradient-x-input: (N, C, H, W). */
  attributions?: Tensor;
  /** integrated-gradients: |sum(attributions) - (S(x) - S(baseline))| per image. */
  completenessError?: number[];
  /** grad-cam: the map at the layer's resolution (N, h, w), and the layer's name. */
  lowres?: Tensor;
  layer?: string;
}

export interface FoolOptions {
  /** cs231n: required; fgsm / pgd: targeted when given, else untargeted. */
  target?: Targets;
  method?: Attack;
  /** cs231n: step length lr * g / ||g||_2 in pixel space; default 1. */
  learningRate?: number;
  /** cs231n: hard cap on the steps; default 100. */
  maxIterations?: number;
  /** pgd: 'linf' (default) or 'l2'; fgsm is L-inf. */
  norm?: 'linf' | 'l2';
  /** fgsm / pgd: the ball's radius in pixel units; default 8/255 (L-inf), 1 (L2). */
  epsilon?: number;
  /** pgd: step (epsilon / 4), steps (10), random start (true), its seed (0). */
  step?: number;
  steps?: number;
  randomStart?: boolean;
  seed?: number;
  /** fgsm / pgd untargeted: the true labels; default the model's own predictions. */
  labels?: Targets;
  onProgress?: ProgressCallback;
  signal?: AbortSignal;
}

export interface FoolResult {
  method: Attack;
  /** The adversarial images (N, C, H, W), pixels in [0,1]. */
  image: Tensor;
  /** Steps taken per image. */
  iterations: number[];
  /** argmax == target on the final image. */
  success: boolean[];
  /** Scores of the final images (N, classes). */
  logits: Tensor;
  /** Norms of the perturbation per image, in pixel units. */
  l2: number[];
  linf: number[];
}

export interface VisualizeOptions {
  /** Default 100. */
  iterations?: number;
  /** Weight of ||z||^2 (z the network input); default 1e-3. */
  l2Reg?: number;
  /** Step L2 norm in pixels; default 25 * sqrt(C*H*W / (3*224*224)). */
  learningRate?: number;
  /** Blur every k iterations (0: never); default 10. */
  blurEvery?: number;
  /** Default 0.5. */
  blurSigma?: number;
  /** Maximum random shift in pixels, [x, y] or one number; default 16 at 224 px, scaled. */
  jitter?: number | [number, number];
  /** Seeds the noise and the jitter; default 0. */
  seed?: number;
  /** A (1, C, H, W) start image instead of noise. */
  init?: Tensor;
  onProgress?: ProgressCallback;
  signal?: AbortSignal;
}

export interface TopClass {
  index: number;
  label: string;
  probability: number;
  logit: number;
}

/** One node's share of the runs inside model.profile(fn). */
export interface NodeProfile {
  name: string;
  op: string;
  /** How the node runs where its operator has several ways: a Conv's "winograd" (3x3,
   * stride 1: F(2x2, 3x3), 2.25x fewer multiplies than its flops count), "im2col+gemm",
   * "pointwise gemm" or "depthwise"; "" otherwise. */
  algorithm: string;
  /** Per image: 2 x the multiply-adds of a Conv, Gemm or MatMul; 0 for other operators. */
  flops: number;
  /** The first input's shape, per image. */
  inputShape: number[];
  /** The shape of a constant second input (a Conv's [cout, cin/group, kh, kw]); [] without. */
  weightShape: number[];
  forwardMs: number;
  backwardMs: number;
  forwardImages: number;
  backwardImages: number;
}

/** What a loaded model is, in this thread (Model) or in a worker (WorkerModel). */
export interface ModelInfo {
  /** [1, C, H, W] */
  readonly inputShape: [number, number, number, number];
  readonly numClasses: number;
  readonly labels: string[];
  readonly card: NormalizedCard;
  /** Whether the SIMD build runs this model. */
  readonly simd: boolean;
  /** Threads the engine splits each layer's work across (see EngineOptions.threads). */
  readonly threads: number;
  /** Why the engine runs on fewer threads than asked for, else null. */
  readonly threadsNote: string | null;
}

/** Declaration merging: the class has ModelInfo's members. */
export interface Model extends ModelInfo {}
export class Model {

  /** Unnormalized scores and their softmax, each (N, classes). */
  predict(x: Tensor): { logits: Tensor; probs: Tensor };
  /** The k best classes of image `index`. */
  topK(x: Tensor, k?: number, index?: number): TopClass[];
  /** Attribution maps; vanilla: map (N, H, W) = max over channels of |d S_target / d pixel|. */
  saliency(x: Tensor, options: SaliencyOptions): SaliencyResult;
  /** d sum(weights * logits) / d pixels, or / d the output of node `layer` (with its value). */
  gradient(x: Tensor, options: { weights?: Tensor; target?: Targets; layer?: string }): { grad: Tensor; value: Tensor };
  /** Adversarial images: the cs231n rule (default), FGSM or PGD. */
  fool(x: Tensor, options: FoolOptions): FoolResult;
  /** Class model visualization (Simonyan et al. 2014). */
  visualizeClass(target: number, options?: VisualizeOptions): { image: Tensor; logits: Tensor };
  /** Sanity check (Adebayo et al. 2018): redraws a layer's weights (default: the classifier). */
  randomizeLayer(layer?: string, options?: { seed?: number }): void;
  /** Per-layer timing, for benchmarks: runs fn with the engine's node timers on. */
  profile(fn: () => void): NodeProfile[];
  /** Frees the model's engine memory. */
  dispose(): void;
}

/**
 * Loads an ONNX classifier: bytes, a Blob or File, a URL, or (Node) a file path;
 * the card as an object, Blob, URL or path.
 */
export function loadModel(source: Uint8Array | ArrayBuffer | ArrayBufferView | Blob | string | URL,
  card?: ModelCard | Blob | string | URL | null, options?: EngineOptions): Promise<Model>;

/** A tensor of a model's interface; shape null when the model does not give it, a
 * dimension null when symbolic (a dynamic batch). */
export interface ModelValue {
  name: string;
  type: string;
  shape: (number | null)[] | null;
}

/** What inspect() finds in a model. */
export interface ModelSummary {
  irVersion: number;
  opset: number;
  producer: string;
  inputs: ModelValue[];
  outputs: ModelValue[];
  nodes: number;
  /** Node count per operator type, in order of first use. */
  operators: Record<string, number>;
  /** Values in float initializers and Constant tensors. */
  parameters: number;
  /** 2 x the multiply-adds of the Conv, Gemm and MatMul nodes the engine could shape, per image. */
  flops: number;
  /** Operators the engine lacks ("domain::op" outside the default domain), by node. */
  unsupported: { op: string; node: string }[];
  /** Nodes of supported operators used in ways the engine does not support; null op and node: the model as a whole. */
  errors: { op: string | null; node: string | null; message: string }[];
  /** Nodes that depend on an unsupported or failed node. */
  skipped: number;
  /** Whether loadModel accepts the model. */
  loadable: boolean;
}

/**
 * Summarizes an ONNX model (bytes, a URL, or a file path in Node) without stopping at
 * the first unsupported operator. Throws only when the bytes are not an ONNX model.
 */
export function inspect(source: Uint8Array | ArrayBuffer | ArrayBufferView | string | URL, options?: EngineOptions): Promise<ModelSummary>;
