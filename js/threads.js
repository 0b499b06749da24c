// The threaded build, dist/gradlens-simd-mt.wasm: what js/engine.js needs to run it.
//
// The module is Emscripten's -pthread output (SIMD, shared memory) without
// Emscripten's JS glue, which does not load as an ES module in Node 20, changes
// process-wide handlers and finds its worker script in ways bundlers cannot see.
// Instead, as for the single-threaded builds, we instantiate the module ourselves:
// - once on the engine's thread (the page, a Web Worker or Node's thread), with the
//   imports below;
// - once in each of threads - 1 workers (pool-worker.js), started before the engine
//   is handed out, on the same WebAssembly.Memory (a SharedArrayBuffer).
// Then the engine's glw_set_threads(n) calls gl_set_thread_count
// (src/parallel_pthread.c), whose pthread_create hands each thread to one of these
// workers (__pthread_create_js below); the thread never returns: it waits for jobs.
//
// Threads need SharedArrayBuffer: always in Node; in browsers only on cross-origin
// isolated pages (Cross-Origin-Opener-Policy: same-origin and
// Cross-Origin-Embedder-Policy: require-corp). On a browser's main thread, where
// Atomics.wait throws, the engine's thread spin-waits for the workers' shares instead
// of sleeping (emscripten_futex_wait does that when told the thread cannot block).
import { isNode, nodeModule } from './runtime.js';

/** At most this many threads, the engine's included (GL_MAX_THREADS in src/parallel_pthread.c). */
export const MAX_THREADS = 16;

const EAGAIN = 6; // Emscripten's errno values are WASI's
const EINVAL = 28;
const PAGE = 65536;
const WORKER_STACK_BYTES = 2 << 20; // as in src/parallel_pthread.c; Emscripten's default is the same

const ISOLATION = 'SharedArrayBuffer, which threads need, is only available on cross-origin isolated pages ' +
  '(served with Cross-Origin-Opener-Policy: same-origin and Cross-Origin-Embedder-Policy: require-corp)';

/** Why this context cannot run the threaded build, or null when it can. */
export function threadsUnavailable() {
  if (typeof SharedArrayBuffer !== 'function' || typeof Atomics !== 'object') {
    return isNode ? 'this Node has no SharedArrayBuffer' : ISOLATION;
  }
  if (!isNode && globalThis.crossOriginIsolated !== true) return ISOLATION;
  if (!isNode && typeof Worker !== 'function') return 'this context cannot start Web Workers';
  return null;
}

/**
 * The default thread count, as onnxruntime-web chooses its numThreads: half the
 * logical cores, rounded up, at most 4 (the engine's thread shares the machine with
 * the page, and a layer of a small network does not split well further).
 */
export async function defaultThreads() {
  let cores = 1;
  if (isNode) {
    const os = await nodeModule('os');
    cores = os.availableParallelism?.() ?? os.cpus().length;
  } else {
    cores = globalThis.navigator?.hardwareConcurrency || 1;
  }
  return Math.max(1, Math.min(4, Math.ceil(cores / 2)));
}

/** True where Atomics.wait may block: everywhere but a browser's main thread. */
function canBlock() {
  try {
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 1, 0);
    return true;
  } catch {
    return false;
  }
}

/**
 * The memory a module imports, read from its import section: {initial, maximum,
 * shared} in 64 KiB pages (maximum: undefined if unbounded), or null when it imports
 * none (the single-threaded builds define and export their own).
 */
export function importedMemory(bytes) {
  const b = ArrayBuffer.isView(bytes) ? new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength) : new Uint8Array(bytes);
  let at = 8; // magic and version
  const u32 = () => {
    let result = 0;
    for (let shift = 0; ; shift += 7) {
      const byte = b[at++];
      if (byte === undefined) throw new Error('truncated WebAssembly module');
      result += (byte & 127) * 2 ** shift;
      if (byte < 128) return result;
    }
  };
  const skipName = () => {
    const length = u32();
    at += length;
  };
  const limits = () => {
    const flags = b[at++];
    const initial = u32();
    const maximum = flags & 1 ? u32() : undefined;
    return { initial, maximum, shared: (flags & 2) !== 0 };
  };
  while (at < b.length) {
    const id = b[at++];
    const size = u32();
    const end = at + size;
    if (id === 2) {
      for (let count = u32(); count > 0; count--) {
        skipName();
        skipName();
        const kind = b[at++];
        if (kind === 0) u32(); // function: type index
        else if (kind === 1) { at++; limits(); } // table: element type, limits
        else if (kind === 2) return limits();
        else if (kind === 3) at += 2; // global: value type, mutability
        else if (kind === 4) { at++; u32(); } // tag: attribute, type index
        else throw new Error(`unknown import kind ${kind}`);
      }
      return null;
    }
    at = end;
  }
  return null;
}

/** A shared WebAssembly.Memory as `module` imports it. */
export function sharedMemory({ initial, maximum }) {
  return new WebAssembly.Memory({ initial, maximum, shared: true });
}

/**
 * The imports of the threaded build, for the engine's thread (role 'main': env adds
 * the engine's own, e.g. gl_js_progress; pool: where pthread_create finds a worker)
 * or a worker (role 'worker'). limits: importedMemory(module's bytes). exports()
 * gives the instance's exports once made.
 * Imports the module has and we do not provide throw when called, naming themselves.
 */
export function threadedImports(module, memory, limits, exports, { role, env = {}, wasi = {}, pool = null }) {
  const view = (Type, ptr, n) => new Type(memory.buffer, ptr, n); // made at each use: memory grows
  const maximum = Math.min(2 ** 32, (limits.maximum ?? 65536) * PAGE);
  const printed = { 1: '', 2: '' };
  const runtime = {
    memory,
    emscripten_get_now: () => performance.now(),
    clock_gettime(clock, timespec) {
      let ms;
      if (clock === 0) ms = Date.now(); // CLOCK_REALTIME
      else if (clock === 1 || clock === 4) ms = performance.now(); // CLOCK_MONOTONIC(_RAW)
      else {
        view(Int32Array, exports().__errno_location(), 1)[0] = EINVAL;
        return -1;
      }
      // struct timespec of Emscripten 3.1.6: 32-bit tv_sec, then 32-bit tv_nsec
      view(Int32Array, timespec, 2).set([Math.floor(ms / 1000), Math.round((ms % 1000) * 1e6) % 1e9]);
      return 0;
    },
    // As the single-threaded builds' (Emscripten's standalone one): the pages the
    // request needs, no more, so that both builds' memory grows alike.
    emscripten_resize_heap(requested) {
      requested >>>= 0;
      const current = memory.buffer.byteLength;
      if (requested <= current) return 1; // another thread grew it meanwhile
      if (requested > maximum) return 0;
      try {
        memory.grow(Math.ceil((requested - current) / PAGE));
        return 1;
      } catch {
        return 0;
      }
    },
    emscripten_notify_memory_growth: () => {},
    emscripten_memcpy_big(dest, src, n) {
      view(Uint8Array).copyWithin(dest, src, src + n);
    },
    __emscripten_init_main_thread_js(thread) {
      if (role !== 'main') throw new Error('gradlens: a worker thread ran the main thread\'s start');
      // As Emscripten's glue: the thread that starts the runtime is the "main browser
      // thread" unless it is a Web Worker; it may block unless it is a page's main thread.
      const blocks = canBlock();
      exports()._emscripten_thread_init(thread, typeof importScripts === 'function' ? 0 : 1, 1, blocks ? 1 : 0, 0);
      exports().emscripten_tls_init();
    },
    __pthread_create_js(thread, attr, start, arg) {
      return role === 'main' && pool ? pool.spawn(thread, start, arg) : EAGAIN;
    },
    __emscripten_thread_cleanup: () => {}, // our threads never exit
    _emscripten_default_pthread_stack_size: () => WORKER_STACK_BYTES,
    _emscripten_notify_thread_queue: () => {}, // nothing is proxied between our threads
    setTempRet0: () => {},
  };
  const wasiRuntime = {
    // stdout and stderr, by lines, to the console (the engine prints nothing itself)
    fd_write(fd, iov, iovcnt, pnum) {
      let written = 0;
      for (let k = 0; k < iovcnt; k++) {
        const [ptr, length] = view(Uint32Array, iov + 8 * k, 2);
        const text = new TextDecoder().decode(view(Uint8Array, ptr, length).slice());
        written += length;
        if (fd !== 1 && fd !== 2) continue;
        const lines = (printed[fd] + text).split('\n');
        printed[fd] = lines.pop();
        for (const line of lines) (fd === 1 ? console.log : console.error)(line);
      }
      view(Uint32Array, pnum, 1)[0] = written;
      return 0;
    },
    clock_time_get(id, precision, timePtr) {
      view(BigUint64Array, timePtr, 1)[0] = BigInt(Math.round((id === 0 ? Date.now() : performance.now()) * 1e6));
      return 0;
    },
  };
  const imports = { env: { ...runtime, ...env }, wasi_snapshot_preview1: { ...wasiRuntime, ...wasi } };
  for (const { module: from, name, kind } of WebAssembly.Module.imports(module)) {
    if (kind !== 'function') continue;
    imports[from] ??= {};
    imports[from][name] ??= () => {
      throw new Error(`gradlens: the threaded engine called ${from}.${name}, which this runtime does not provide`);
    };
  }
  return imports;
}

// A worker that loaded the module, ready to host one thread: {post(message)}.
// onCrash(message): its thread died later (a trap in the engine).
function startWorker(module, memory, limits, onCrash) {
  return new Promise((resolve, reject) => {
    let thread = null;
    const receive = (data) => {
      if (data?.type === 'ready') resolve(thread);
      else if (data?.type === 'error') reject(new Error(data.message));
      else if (data?.type === 'crashed') onCrash(data.message);
    };
    const load = { type: 'load', module, memory, limits };
    if (!isNode) {
      // Written out whole so that bundlers find the worker script and bundle it.
      const worker = new Worker(new URL('./pool-worker.js', import.meta.url), { type: 'module', name: 'gradlens thread' });
      worker.onmessage = ({ data }) => receive(data);
      worker.onerror = (event) => {
        event.preventDefault();
        reject(new Error(event.message || 'a thread\'s worker failed to start'));
      };
      thread = { post: (message) => worker.postMessage(message) };
      worker.postMessage(load);
      return;
    }
    nodeModule('worker_threads').then(({ Worker: NodeWorker }) => {
      // As in worker.js: the script out of sight of bundlers, Node's flags but --input-type.
      const execArgv = process.execArgv.filter((flag) => !flag.startsWith('--input-type'));
      const worker = new NodeWorker(new URL(NODE_POOL_SCRIPT, import.meta.url), { execArgv, name: 'gradlens thread' });
      worker.on('message', (data) => {
        // Once ready, a thread waiting for work does not keep Node running.
        if (data?.type === 'ready') worker.unref();
        receive(data);
      });
      worker.on('error', reject);
      worker.on('exit', (code) => reject(new Error(`a thread's worker exited with code ${code}`)));
      thread = { post: (message) => worker.postMessage(message) };
      worker.postMessage(load);
    }, reject);
  });
}

const NODE_POOL_SCRIPT = './pool-worker.js';

/**
 * Starts `count` workers that load `module` on `memory` (limits: importedMemory's);
 * resolves once each is ready or failed with {spawn(thread, start, arg) for
 * __pthread_create_js, ready: how many are ready to host a thread, failure: the first
 * failure's message or null}. onCrash(message): a thread died later.
 */
export async function startPool(module, memory, limits, count, onCrash = () => {}) {
  const starting = Array.from({ length: count }, () => startWorker(module, memory, limits, onCrash));
  const results = await Promise.allSettled(starting);
  const idle = results.filter((r) => r.status === 'fulfilled').map((r) => r.value);
  const failed = results.find((r) => r.status === 'rejected');
  return {
    ready: idle.length,
    failure: failed ? failed.reason?.message ?? String(failed.reason) : null,
    // The thread runs in a worker that is already waiting for it, so it starts while
    // the engine's thread keeps computing (no return to its event loop needed).
    spawn(thread, start, arg) {
      const worker = idle.shift();
      if (!worker) return EAGAIN;
      worker.post({ type: 'run', thread, start, arg });
      return 0;
    },
  };
}
