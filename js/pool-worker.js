// One thread of the threaded engine (threads.js): a browser module Worker or a Node
// worker_thread that instantiates the module on the shared memory, says it is ready,
// then runs the thread pthread_create hands it (src/parallel_pthread.c's worker loop,
// which never returns: it waits for jobs on a futex).
import { isNode, nodeModule } from './runtime.js';
import { threadedImports } from './threads.js';

let instance = null;
let memory = null;

function load({ module, limits }, post) {
  try {
    const imports = threadedImports(module, memory, limits, () => instance.exports, { role: 'worker' });
    instance = new WebAssembly.Instance(module, imports);
    post({ type: 'ready' });
  } catch (err) {
    post({ type: 'error', message: `could not instantiate the engine in a thread: ${err.message}` });
  }
}

// As Emscripten's worker.js does for a pthread: the thread's stack (its top and size
// are the first two words of the argument, see worker_start), its identity, its
// thread-local storage, then the start routine.
function run({ thread, start, arg }, post) {
  const e = instance.exports;
  const [top, size] = new Uint32Array(memory.buffer, arg, 2);
  e.emscripten_stack_set_limits(top, top - size);
  e.stackRestore(top);
  e._emscripten_thread_init(thread, 0, 0, 1, 0);
  e.emscripten_tls_init();
  try {
    e.__indirect_function_table.get(start)(arg);
  } catch (err) {
    // The job this thread had will never be done: the engine's thread must not wait.
    e.glw_thread_crashed();
    post({ type: 'crashed', message: err?.message ?? String(err) });
  }
}

function serve(post, listen) {
  listen((message) => {
    if (message.type === 'load') {
      memory = message.memory;
      load(message, post);
    } else if (message.type === 'run') {
      run(message, post);
    }
  });
}

if (isNode) {
  nodeModule('worker_threads').then(({ parentPort }) => serve(
    (message) => parentPort.postMessage(message),
    (handle) => parentPort.on('message', handle),
  ));
} else {
  serve((message) => self.postMessage(message), (handle) => {
    self.onmessage = ({ data }) => handle(data);
  });
}
