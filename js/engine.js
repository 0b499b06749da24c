// Loading the gradlens WebAssembly engine, once, and calling into it.
//
// Two builds of one C source sit in dist/: gradlens-simd.wasm (wasm SIMD128) and
// gradlens.wasm (baseline). We pick SIMD when WebAssembly.validate accepts a tiny
// SIMD module, the way wasm-feature-detect does. The modules are standalone (no
// Emscripten glue): we instantiate them ourselves, so the same code runs in Node,
// browsers and workers. The .wasm is found next to this file with
// `new URL('../dist/….wasm', import.meta.url)`: fetched in browsers, read from disk
// in Node. Each URL is written out whole so that bundlers (Vite, webpack) see it
// and emit the file; `loadEngine({wasmUrl})` overrides it for unusual hosting.
//
// A third build, gradlens-simd-mt.wasm, splits each layer's work across threads
// (`loadEngine({threads})`; threads.js runs it): used where SharedArrayBuffer is (Node,
// cross-origin isolated pages) when more than one thread is asked for or, by
// default, when the machine has more than two logical cores. Elsewhere the
// single-threaded build runs and engine.threadsNote says why.

import { isNode, nodeModule } from './runtime.js';
import {
  MAX_THREADS, defaultThreads, importedMemory, sharedMemory, startPool, threadedImports, threadsUnavailable,
} from './threads.js';

// (module (func (result v128) i32.const 0 i8x16.splat i8x16.popcnt))
const SIMD_PROBE = new Uint8Array([
  0, 97, 115, 109, 1, 0, 0, 0, 1, 5, 1, 96, 0, 1, 123, 3, 2, 1, 0, 10, 10, 1, 8, 0, 65, 0, 253, 15, 253, 98, 11,
]);

const STATUS_NAMES = ['ok', 'argument', 'model', 'unsupported', 'out-of-memory', 'cancelled'];

/** An error reported by the engine; `code` says which kind. */
export class GradlensError extends Error {
  constructor(message, code) {
    super(message);
    this.name = code === 'cancelled' ? 'AbortError' : 'GradlensError';
    this.code = code;
  }
}

export function simdSupported() {
  return WebAssembly.validate(SIMD_PROBE);
}

async function readBinary(url) {
  if (isNode && url.protocol === 'file:') {
    const { readFile } = await nodeModule('fs/promises');
    return readFile(url);
  }
  const response = await fetch(url);
  if (!response.ok) throw new Error(`HTTP ${response.status}`);
  return new Uint8Array(await response.arrayBuffer());
}

/** Low-level handle on one instance of the engine. */
class Engine {
  /** memory: the threaded build's (imported: it joins exports, as the other builds export theirs). */
  constructor(instance, simd, { memory = null, threads = 1, threadsNote = null } = {}) {
    this.exports = memory ? { ...instance.exports, memory } : instance.exports;
    this.simd = simd;
    /** Threads the layers' work is split across, this one included. */
    this.threads = threads;
    /** Why fewer threads run than were asked for (or the default would use), else null. */
    this.threadsNote = threadsNote;
    this.progress = null; // the callback of the call in flight, if any
  }

  /**
   * Uses n threads from now on (at most as many as were started by loadEngine: a
   * benchmark may compare 1 and 2 on one engine); returns how many are in use.
   */
  setThreads(n) {
    if (!(Number.isInteger(n) && n >= 1)) throw new RangeError(`threads must be a whole number >= 1, not ${n}`);
    this.threads = this.exports.glw_set_threads?.(n) ?? 1;
    return this.threads;
  }

  get memory() {
    return this.exports.memory.buffer;
  }

  /** Fresh engine memory of `bytes` bytes; returns the pointer. */
  alloc(bytes) {
    // wasm32 sizes are 32-bit: a larger request would arrive modulo 2^32 (a small
    // buffer the engine then overruns), and the memory cannot exceed 2 GB anyway.
    if (!(bytes < 2 ** 31)) throw new GradlensError(`out of WebAssembly memory allocating ${bytes} bytes`, 'out-of-memory');
    const ptr = this.exports.glw_malloc(Math.max(bytes, 4));
    if (!ptr) throw new GradlensError(`out of WebAssembly memory allocating ${bytes} bytes`, 'out-of-memory');
    return ptr;
  }

  free(...ptrs) {
    for (const ptr of ptrs) if (ptr) this.exports.glw_free_buffer(ptr);
  }

  put(typed) {
    const ptr = this.alloc(typed.byteLength);
    new Uint8Array(this.memory, ptr, typed.byteLength).set(new Uint8Array(typed.buffer, typed.byteOffset, typed.byteLength));
    return ptr;
  }

  putString(s) {
    const bytes = new TextEncoder().encode(s + '\0');
    return this.put(bytes);
  }

  // Views are made at read time: memory growth replaces the buffer.
  f32(ptr, n) {
    return new Float32Array(this.memory, ptr, n).slice();
  }

  i32(ptr, n) {
    return new Int32Array(this.memory, ptr, n).slice();
  }

  /** The NUL-terminated string at ptr. */
  string(ptr) {
    const mem = new Uint8Array(this.memory);
    let end = ptr;
    while (mem[end]) end++;
    // A copy: browsers' TextDecoder refuses views of shared memory (the threaded build's).
    return new TextDecoder().decode(mem.slice(ptr, end));
  }

  lastError() {
    return this.string(this.exports.glw_last_error());
  }

  /** Throws the engine's message as an Error unless status is 0. */
  check(status) {
    if (status !== 0) throw new GradlensError(this.lastError(), STATUS_NAMES[status] ?? `status ${status}`);
  }
}

let enginePromise = null;

/**
 * Loads the engine once. Options (first call only): `simd` (true/false to force a
 * build), `threads` (how many to split each layer's work across, this one included;
 * default: as onnxruntime-web, half the logical cores rounded up, at most 4; 1: the
 * single-threaded build), `wasmUrl` (where the .wasm is, for unusual hosting: the
 * threaded build if its memory is shared), `wasmBinary` (bytes).
 */
export function loadEngine(options = {}) {
  enginePromise ??= instantiate(options).catch((err) => {
    enginePromise = null; // a later call may retry, e.g. with another wasmUrl
    throw err;
  });
  return enginePromise;
}

async function instantiate({ simd = simdSupported(), threads, wasmUrl, wasmBinary } = {}) {
  if (threads != null && !(Number.isInteger(threads) && threads >= 0)) {
    throw new RangeError(`threads must be a whole number (0 or omitted: the default), not ${threads}`);
  }
  const wanted = Math.min(MAX_THREADS, threads || (await defaultThreads()));
  let threadsNote = threads > MAX_THREADS ? `at most ${MAX_THREADS} threads` : null;
  let threaded = false;
  if (wanted > 1) {
    const why = threadsUnavailable() ?? (simd ? null : 'the threaded build needs WebAssembly SIMD');
    if (why) threadsNote = `${why}: running on one thread`;
    else threaded = true;
  }
  let url;
  if (wasmUrl) url = new URL(wasmUrl, import.meta.url);
  else if (threaded) url = new URL('../dist/gradlens-simd-mt.wasm', import.meta.url);
  else if (simd) url = new URL('../dist/gradlens-simd.wasm', import.meta.url);
  else url = new URL('../dist/gradlens.wasm', import.meta.url);
  let engine = null;
  const imports = {
    env: {
      gl_js_progress: (iteration, valuesPtr, n) => (engine.progress ? engine.progress(iteration, valuesPtr, n) : 0),
      emscripten_notify_memory_growth: () => {},
    },
    // The engine's profiler reads clock_gettime(CLOCK_MONOTONIC): nanoseconds, as a u64.
    wasi_snapshot_preview1: {
      clock_time_get: (id, precision, timePtr) => {
        new BigUint64Array(engine.memory, timePtr, 1)[0] = BigInt(Math.round(performance.now() * 1e6));
        return 0;
      },
    },
  };
  let bytes = wasmBinary;
  if (!bytes && threaded && !wasmUrl) {
    // A host that serves the single-threaded builds only still gets an engine.
    try {
      bytes = await readBinary(url);
    } catch (err) {
      threadsNote = `could not load the threaded build from ${url.href} (${err.message}): running on one thread`;
      threaded = false;
      url = new URL('../dist/gradlens-simd.wasm', import.meta.url);
    }
  }
  try {
    bytes ??= await readBinary(url);
  } catch (err) {
    throw new Error(`gradlens: could not load the WebAssembly engine from ${url.href}: ${err.message}` +
      ' (run `make` to build dist/, or pass wasmUrl)');
  }
  const memoryLimits = importedMemory(bytes);
  if (memoryLimits?.shared) {
    const why = threadsUnavailable();
    if (why) throw new Error(`gradlens: ${url.href} is the threaded build: ${why}`);
    return instantiateThreaded(bytes, memoryLimits, threaded ? wanted : 1, threadsNote);
  }
  if (threaded) threadsNote = 'the engine given by wasmUrl or wasmBinary is a single-threaded build: running on one thread';
  const { instance } = await WebAssembly.instantiate(bytes, imports);
  instance.exports._initialize();
  engine = new Engine(instance, simd, { threads: 1, threadsNote });
  return engine;
}

// The threaded build (threads.js): this thread's instance, then count - 1 workers
// that host the other threads.
async function instantiateThreaded(bytes, limits, count, threadsNote) {
  const module = await WebAssembly.compile(bytes);
  const memory = sharedMemory(limits);
  let engine = null;
  let pool = null;
  let instance = null;
  const env = {
    gl_js_progress: (iteration, valuesPtr, n) => (engine?.progress ? engine.progress(iteration, valuesPtr, n) : 0),
  };
  const spawn = (...args) => pool.spawn(...args);
  instance = await WebAssembly.instantiate(module,
    threadedImports(module, memory, limits, () => instance.exports, { role: 'main', env, pool: { spawn } }));
  instance.exports.__wasm_call_ctors();
  let threads = 1;
  if (count > 1) {
    pool = await startPool(module, memory, limits, count - 1, (message) => {
      if (engine) engine.threadsNote = `a thread crashed (${message}): the engine runs on one thread from now on`;
    });
    threads = instance.exports.glw_set_threads(count);
    if (threads < count) {
      threadsNote = `${threads} of ${count} threads started: ${pool.failure ?? 'no worker was left for the others'}`;
    }
  }
  engine = new Engine(instance, true, { memory, threads, threadsNote });
  return engine;
}
