// The peer half of `make bench`: one command that times PyTorch, TF.js and
// onnxruntime-web on the bench networks and writes build/bench/peers.json for
// bench/bench.mjs to merge with gradlens' own figures.
//   node bench/peers/run.mjs [peer ...]   (after scripts/install-bench-deps.sh and npm ci;
//                                          peers: all by default, e.g. pytorch-1t tfjs-wasm)
// Peers run one after another, never side by side: the machine has 2 cores.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { RUNS, TARGET, WARMUP } from './timing.mjs';

import { NETWORKS, OUT, ROOT as root } from '../networks.mjs';

const here = (p) => fileURLToPath(new URL(p, import.meta.url));
const PYTHON = process.env.PYTHON_TORCH ?? '/usr/bin/python3'; // Debian's torch, not a pyenv python
// TF.js's cpu backend needs minutes for MobileNet v2's gradient: skipped there beyond 60 s.
const TFJS_CPU_BUDGETS = 'mobilenet_v2_1.0_224_float=60';
const MEASURES = ['predict', 'saliency', 'fool_iteration'];
const NO_GRAD = { skipped: 'onnxruntime-web has no input gradient' };

const t0 = performance.now();
const log = (msg) => console.error(`[peers ${((performance.now() - t0) / 1000).toFixed(0)} s] ${msg}`);
function run(cmd, args, env = {}) {
  const r = spawnSync(cmd, args, { cwd: root, env: { ...process.env, ...env }, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 1 << 26 });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} exited ${r.status}`);
  return r.stdout;
}
const readJson = (path) => JSON.parse(readFileSync(path, 'utf8'));
const quiet = (cmd, args) => { try { return execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim(); } catch { return null; } };

mkdirSync(OUT, { recursive: true });
const stale = (out, src) => !existsSync(out) || statSync(out).mtimeMs < statSync(src).mtimeMs;
if (stale(NETWORKS.cs231n64, here('make_cs231n64.py'))) run(PYTHON, [here('make_cs231n64.py'), NETWORKS.cs231n64]);
run(PYTHON, [here('export_graph.py'), OUT, ...Object.entries(NETWORKS).map(([n, p]) => `${n}=${p}`)]);
const manifest = `${OUT}networks.json`;

// Each peer: a process of its own, so thread settings and wasm instances start clean.
// torch's OpenMP pool and OpenBLAS's own pthreads coexist: with the default spinning
// wait, idle OpenMP threads steal the second core from BLAS (and from anyone else on a
// shared machine), making 2-thread times erratic, up to 10x; PASSIVE waits sleep.
const torch = (n) => () => JSON.parse(run(PYTHON, [here('torch_bench.py'), manifest, String(n)],
  { OMP_NUM_THREADS: String(n), OPENBLAS_NUM_THREADS: String(n), OMP_WAIT_POLICY: 'PASSIVE' }));
const node = (script, arg, extra = []) => (name) => {
  run('node', [here(script), manifest, arg, `${OUT}${name}.json`, ...extra]);
  return readJson(`${OUT}${name}.json`);
};
const PEERS = {
  'pytorch-1t': torch(1),
  'pytorch-2t': torch(2),
  'tfjs-cpu': node('tfjs_bench.mjs', 'cpu', [TFJS_CPU_BUDGETS]),
  'tfjs-wasm': node('tfjs_bench.mjs', 'wasm'),
  'ort-web-1t': node('ort_bench.mjs', '1'),
  'ort-web-2t': node('ort_bench.mjs', '2'),
};
const chosen = process.argv.length > 2 ? process.argv.slice(2) : Object.keys(PEERS);
const unknown = chosen.filter((p) => !(p in PEERS));
if (unknown.length) throw new Error(`unknown peer(s) ${unknown.join(', ')}; known: ${Object.keys(PEERS).join(', ')}`);
const peers = {};
for (const name of chosen) {
  log(name);
  try { peers[name] = PEERS[name](name); } catch (e) { peers[name] = { error: e.message, networks: {} }; }
}
log('gradlens (agreement check only)');
let gradlens;
try {
  run('node', [here('gradlens_check.mjs'), manifest, `${OUT}gradlens-check.json`]);
  gradlens = readJson(`${OUT}gradlens-check.json`);
} catch (e) {
  gradlens = { error: e.message };
}

// max |a - b| / max |b|: how far a peer's numbers are from the reference's.
function relErr(a, b) {
  if (!a || !b || a.length !== b.length) return null;
  let num = 0, den = 0;
  for (let k = 0; k < a.length; k++) { num = Math.max(num, Math.abs(a[k] - b[k])); den = Math.max(den, Math.abs(b[k])); }
  return Number((num / den).toExponential(2));
}
const softmax = (v) => { const m = Math.max(...v); const e = v.map((x) => Math.exp(x - m)); const s = e.reduce((a, b) => a + b, 0); return e.map((x) => x / s); };

const networks = {};
for (const entry of readJson(manifest)) {
  if (entry.skipped) { networks[entry.name] = { skipped: entry.skipped }; continue; }
  const ref = (peers['pytorch-1t'] ?? peers['pytorch-2t'])?.networks?.[entry.name]?.check;
  const net = { input: entry.input_shape, peers: {}, agreement: {} };
  for (const [peer, res] of Object.entries(peers)) {
    const r = res.networks?.[entry.name] ?? { error: res.error ?? 'no result' };
    const row = {};
    const ms = (v) => (typeof v === 'number' ? Number(v.toFixed(3)) : v);
    for (const m of MEASURES) row[m] = r.error ? { error: r.error } : ms(r[m] ?? NO_GRAD);
    if (r.predict_fp16_file !== undefined) row.predict_fp16_file = ms(r.predict_fp16_file);
    const c = r.check;
    if (c && ref && peer.startsWith('tfjs')) {
      const logits = relErr(c.logits, ref.logits);
      net.agreement[`${peer} logits`] = logits;
      net.agreement[`${peer} grad`] = c.grad_error ? c.grad_error : relErr(c.grad_sample, ref.grad_sample);
      if (!(logits < 1e-3)) for (const m of MEASURES) row[m] = { error: `logits differ from PyTorch's (rel err ${logits}): not timed as the same network` };
    }
    if (c && ref && peer.startsWith('ort-web')) { // ORT's output 0: probabilities where the model ends in Softmax
      net.agreement[`${peer} ${entry.output_softmax ? 'probabilities' : 'logits'}`] = relErr(c.values, entry.output_softmax ? softmax(ref.logits) : ref.logits);
    }
    net.peers[peer] = row;
  }
  const g = gradlens.networks?.[entry.name];
  if (g && ref) {
    net.agreement['gradlens logits'] = g.error ?? relErr(g.logits, ref.logits);
    net.agreement['gradlens grad'] = g.error ?? relErr(g.grad_sample, ref.grad_sample);
  } else net.agreement.gradlens = gradlens.error ?? 'no result';
  networks[entry.name] = net;
}

const dpkg = (pkg) => quiet('dpkg-query', ['-W', '-f', '${Version}', pkg]);
const npmVersion = (pkg) => readJson(`${root}node_modules/${pkg}/package.json`).version;
const meta = {
  date: new Date().toISOString(),
  machine: { cpus: os.cpus().length, model: os.cpus()[0]?.model, node: process.version },
  protocol: { warmup: WARMUP, timed_runs: RUNS, statistic: 'median ms', target_class: TARGET,
    input: 'pixel k = (k*7919 % 255)/255 over the NCHW tensor, fed to the network unchanged (no card preprocessing)',
    saliency: 'd logits[0, target] / d x (raw logits, before any final Softmax), weights frozen, plus the map max_c |g|',
    fool_iteration: 'forward + backward + x = clamp(x + g / ||g||_2, 0, 1)',
    agreement: 'max|a - b| / max|b| against PyTorch (1 thread); grad over every ~n/1000-th entry' },
  versions: { 'python3-torch': dpkg('python3-torch'), torch: (peers['pytorch-1t'] ?? peers['pytorch-2t'])?.meta?.version, 'python3-onnx': dpkg('python3-onnx'),
    libopenblas0_pthread: dpkg('libopenblas0-pthread'), '@tensorflow/tfjs': npmVersion('@tensorflow/tfjs'),
    '@tensorflow/tfjs-backend-wasm': npmVersion('@tensorflow/tfjs-backend-wasm'), 'onnxruntime-web': npmVersion('onnxruntime-web') },
  blas_alternative: quiet('update-alternatives', ['--query', 'libblas.so.3-x86_64-linux-gnu'])?.match(/^Value: (.*)$/m)?.[1] ?? null,
  peers: Object.fromEntries(Object.entries(peers).map(([k, v]) => [k, v.meta ?? { error: v.error }])),
  seconds: Math.round((performance.now() - t0) / 1000),
};
writeFileSync(`${OUT}peers.json`, `${JSON.stringify({ meta, networks }, null, 1)}\n`);

// Human-readable summary.
const cell = (v) => (typeof v === 'number' ? v.toFixed(v < 10 ? 2 : 1) : v?.skipped ? 'skip' : 'err');
console.log(`\npeers: median ms of ${RUNS} runs after ${WARMUP} warm-ups (BLAS: ${(peers['pytorch-1t'] ?? peers['pytorch-2t'])?.meta?.blas ?? '-'}, ${meta.seconds} s)`);
console.log('| network | peer | predict | saliency | fool iter |');
console.log('|---|---|---:|---:|---:|');
for (const [name, net] of Object.entries(networks)) {
  if (net.skipped) { console.log(`| ${name} | (skipped: ${net.skipped}) | | | |`); continue; }
  for (const [peer, row] of Object.entries(net.peers)) console.log(`| ${name} | ${peer} | ${MEASURES.map((m) => cell(row[m])).join(' | ')} |`);
}
const sci = (v) => (typeof v === 'number' ? v.toExponential(1) : v);
for (const [name, net] of Object.entries(networks)) {
  if (net.agreement) console.log(`agreement ${name}: ${Object.entries(net.agreement).map(([k, v]) => `${k} ${sci(v)}`).join(', ')}`);
  for (const [peer, row] of Object.entries(net.peers ?? {})) {
    if (peer.startsWith('ort-web')) continue; // its skips are all "no input gradient"
    const why = new Set(MEASURES.map((m) => row[m]?.error ?? row[m]?.skipped).filter(Boolean));
    for (const w of why) console.log(`  ${name} ${peer}: ${w}`);
  }
}
console.log(`wrote ${OUT}peers.json`);
