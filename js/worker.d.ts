// Type declarations for gradlens/worker (js/worker.js).
import type {
  EngineOptions, FoolOptions, FoolResult, ModelCard, ModelInfo, SaliencyOptions, SaliencyResult, Targets,
  TopClass, VisualizeOptions,
} from './index.js';
import type { Tensor } from './types.js';

/** What every worker call accepts: an AbortSignal that cancels it (the promise rejects with an AbortError). */
export interface Cancellable {
  signal?: AbortSignal;
}

/** A model loaded in the worker: Model's methods, each returning a promise. */
export interface WorkerModel extends ModelInfo {
  predict(x: Tensor, options?: Cancellable): Promise<{ logits: Tensor; probs: Tensor }>;
  topK(x: Tensor, k?: number, index?: number, options?: Cancellable): Promise<TopClass[]>;
  saliency(x: Tensor, options: SaliencyOptions & Cancellable): Promise<SaliencyResult>;
  gradient(x: Tensor, options: { weights?: Tensor; target?: Targets; layer?: string } & Cancellable):
    Promise<{ grad: Tensor; value: Tensor }>;
  /**
   * onProgress hears from the worker at most about every 50 ms (returning false
   * cancels); cancelling stops the run within an iteration (see EngineWorker.cancelsInPlace).
   */
  fool(x: Tensor, options: FoolOptions): Promise<FoolResult>;
  /** As fool for onProgress and signal. */
  visualizeClass(target: number, options?: VisualizeOptions): Promise<{ image: Tensor; logits: Tensor }>;
  /** Redone by a restarted worker thread, like the load itself. */
  randomizeLayer(layer?: string, options?: { seed?: number } & Cancellable): Promise<void>;
  /** Frees the model in the worker; later calls reject. */
  dispose(): Promise<void>;
}

export interface EngineWorker {
  /**
   * True when a running fool or visualizeClass stops within an iteration (shared
   * memory: Node, or a cross-origin isolated page); false when cancelling it
   * restarts the worker thread, which reloads the models first.
   */
  readonly cancelsInPlace: boolean;
  /**
   * Loads a model in the worker: bytes (copied), a Blob or File, a URL (relative
   * ones resolved against the page), or a file path in Node.
   */
  loadModel(source: Uint8Array | ArrayBuffer | ArrayBufferView | Blob | string | URL,
    card?: ModelCard | Blob | string | URL | null, options?: Cancellable): Promise<WorkerModel>;
  /** Stops the worker thread; pending and later calls reject. */
  terminate(): void;
}

export interface WorkerOptions extends EngineOptions {
  /** A worker thread crashed: restarted (its models reloaded), or given up after three crashes in a row. */
  onCrash?: (crash: { message: string; restarted: boolean }) => void;
}

/**
 * Starts the engine in a worker thread: a module Worker in browsers, a
 * worker_thread in Node. Calls run one at a time, in order.
 */
export function createWorker(options?: WorkerOptions): EngineWorker;
