// Security properties of the library:
//   - it makes no network request of its own: with fetch, sockets and DNS stubbed
//     to throw, the engine loads and a model loads from bytes and from a file path
//     and runs;
//   - the WebAssembly engine imports nothing but the progress callback and the
//     memory-growth notification: no file, network or clock access from C;
//   - it never evaluates strings as code: no eval, new Function, string timers or
//     import() of a computed specifier in js/*.js (one exception: `node:${name}`,
//     which can only name a Node built-in, and only with literal names).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import dns from 'node:dns';
import net from 'node:net';
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const JS_DIR = fileURLToPath(new URL('../../js/', import.meta.url));
const FIXTURES = fileURLToPath(new URL('../fixtures/', import.meta.url));

// Stubbed before the library is imported (it is imported dynamically below), so
// that loading the engine itself is covered too.
const attempts = [];
const refuse = (what) => (...args) => {
  attempts.push(`${what}(${String(args[0]).slice(0, 80)})`);
  throw new Error(`network access attempted: ${what}`);
};
globalThis.fetch = refuse('fetch');
globalThis.XMLHttpRequest = function XMLHttpRequest() { refuse('XMLHttpRequest')(); };
globalThis.WebSocket = function WebSocket(url) { refuse('WebSocket')(url); };
net.Socket.prototype.connect = refuse('net.Socket.connect');
net.connect = net.createConnection = refuse('net.connect');
dns.lookup = refuse('dns.lookup');
dns.promises.lookup = refuse('dns.promises.lookup');

const gradlens = await import('../../js/index.js');
const BUILD = process.env.GRADLENS_WASM === 'baseline' ? 'baseline' : 'simd';

test(`no network requests: the engine, a model from bytes and from a path (${BUILD})`, async () => {
  const engine = await gradlens.loadEngine({ simd: BUILD === 'simd' });
  const card = JSON.parse(readFileSync(`${FIXTURES}lenet.json`, 'utf8'));
  const fromBytes = await gradlens.loadModel(readFileSync(`${FIXTURES}lenet.onnx`), card);
  const fromPath = await gradlens.loadModel(`${FIXTURES}lenet.onnx`, `${FIXTURES}lenet.json`);
  const fromFileUrl = await gradlens.loadModel(new URL('../fixtures/lenet.onnx', import.meta.url), card);
  const x = { data: new Float32Array(784).fill(0.5), shape: [1, 1, 28, 28] };
  const expected = fromBytes.predict(x).logits.data;
  for (const model of [fromBytes, fromPath, fromFileUrl]) {
    assert.deepEqual(model.predict(x).logits.data, expected);
    model.saliency(x, { target: 3 });
    model.visualizeClass(3, { iterations: 2 });
    model.dispose();
  }
  assert.ok(engine.exports.memory instanceof WebAssembly.Memory);
  assert.deepEqual(attempts, [], `network access attempted: ${attempts.join(', ')}`);
});

test('the stubs do catch the library fetching (a URL the caller asked for)', async () => {
  const before = attempts.length;
  await assert.rejects(gradlens.loadModel('https://models.example/model.onnx'), /network access attempted: fetch/);
  assert.equal(attempts.length, before + 1);
  attempts.length = before;
});

test('the wasm engine imports only the progress callback, the memory-growth notification and the profiler clock', () => {
  for (const file of ['gradlens-simd.wasm', 'gradlens.wasm']) {
    const module = new WebAssembly.Module(readFileSync(fileURLToPath(new URL(`../../dist/${file}`, import.meta.url))));
    const imports = WebAssembly.Module.imports(module).map(({ module: m, name, kind }) => `${m}.${name} (${kind})`).sort();
    assert.deepEqual(imports, ['env.emscripten_notify_memory_growth (function)', 'env.gl_js_progress (function)',
      'wasi_snapshot_preview1.clock_time_get (function)'],
      `${file} imports ${imports.join(', ')}`);
  }
});

/** The source without comments, string and template contents kept (a rough lexer:
 * enough for this code base, where '//' appears in strings only as in URLs). */
function stripComments(source) {
  return source.replace(/\/\*[\s\S]*?\*\//g, '').replace(/(^|[^:'"`\\])\/\/.*$/gm, '$1');
}

const FORBIDDEN = [
  [/\beval\s*\(/, 'eval('],
  [/\bnew\s+Function\s*\(/, 'new Function('],
  [/(^|[^.\w])Function\s*\(/, 'Function('],
  [/\b(setTimeout|setInterval|setImmediate)\s*\(\s*['"`]/, 'a timer given a string'],
  // import() of anything but one string literal, or a template confined to Node's
  // built-in modules (`node:${name}`: no file, no URL, no code from elsewhere)
  [/\bimport\s*\((?!(?:\s|\/\*[^*]*\*\/)*(?:(['"])[^'"]*\1|`[^`$]*`|`node:\$\{\w+\}`)\s*\))/, 'import() of a computed specifier'],
  [/\bnew\s+Worker\s*\(\s*(?!new\s+URL\s*\(\s*['"])/, 'a Worker from a computed source'],
];

test('js/*.js evaluates no strings as code', () => {
  const files = readdirSync(JS_DIR).filter((f) => f.endsWith('.js'));
  assert.ok(files.length >= 5, `found only ${files.join(', ')}`);
  const findings = [];
  for (const file of files) {
    const source = stripComments(readFileSync(`${JS_DIR}${file}`, 'utf8'));
    source.split('\n').forEach((line, k) => {
      for (const [pattern, what] of FORBIDDEN) if (pattern.test(line)) findings.push(`js/${file}:${k + 1}: ${what}: ${line.trim()}`);
    });
  }
  assert.deepEqual(findings, []);
  // and the `node:${name}` helpers are only ever called with literal module names
  const helpers = new Set();
  for (const file of files) {
    const source = stripComments(readFileSync(`${JS_DIR}${file}`, 'utf8'));
    for (const m of source.matchAll(/function\s+(\w+)\s*\((\w+)\)\s*\{[^}]*import\s*\([^)]*`node:\$\{\2\}`/g)) helpers.add(m[1]);
  }
  for (const file of files) {
    const source = stripComments(readFileSync(`${JS_DIR}${file}`, 'utf8'));
    for (const name of helpers) {
      for (const call of source.matchAll(new RegExp(`\\b${name}\\s*\\(([^)]*)\\)`, 'g'))) {
        if (/^\s*\w+\s*$/.test(call[1]) && source.includes(`function ${name}(${call[1].trim()})`)) continue; // the definition
        assert.match(call[1], /^\s*'[\w/]+'\s*$/, `js/${file}: ${name}(${call[1]}) is not a literal module name`);
      }
    }
  }
  // the scanner itself finds what it looks for
  const samples = ['eval("1")', 'new Function("return 1")', 'setTimeout("go()", 1)', 'import(name)', 'import(`./${x}.js`)',
    'import(`node:${a}${b}`)', 'import(/* x */ url)'];
  for (const s of samples) assert.ok(FORBIDDEN.some(([p]) => p.test(s)), `the scan misses ${s}`);
  for (const s of ["import('node:fs/promises')", 'setTimeout(() => 1, 5)', 'x.eval2(1)', 'import(/* @vite-ignore */ `node:${name}`)']) {
    assert.ok(!FORBIDDEN.some(([p]) => p.test(s)), `the scan flags ${s}`);
  }
});
