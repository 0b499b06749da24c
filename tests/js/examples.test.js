// The examples run as a user would run them and write what they promise.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pngjs from 'pngjs';

const root = fileURLToPath(new URL('../../', import.meta.url));
const run = (...args) => execFileSync(process.execPath, args, { cwd: root, encoding: 'utf8' });

test('examples/cs231n.mjs: the notebook figure and a summary of five fooled images', () => {
  const out = join(mkdtempSync(join(tmpdir(), 'gradlens-')), 'cs231n.png');
  const summary = run('examples/cs231n.mjs', out);
  const png = pngjs.PNG.sync.read(readFileSync(out));
  // 2 rows of 5 (images, saliency) then 5 rows of 4, cells 28 px x4 with 6 px gaps
  assert.equal(png.width, 5 * 112 + 6 * 6);
  assert.equal(png.height, 7 * 112 + 8 * 6);
  const lines = summary.trim().split('\n').filter((l) => l.startsWith('image '));
  assert.equal(lines.length, 5);
  for (const line of lines) assert.match(line, /fooled into .+: yes after \d+ iterations, L2 [\d.]+, L-inf [\d.]+/);
});

test('examples/saliency.mjs: a heatmap and an overlay for a model and a PNG', () => {
  const dir = mkdtempSync(join(tmpdir(), 'gradlens-'));
  const image = join(dir, 'digit.png');
  // a sample digit from the shipped gallery, as a PNG file
  const pixels = readFileSync(join(root, 'models/samples/mnist.u8')).subarray(70 * 784, 71 * 784);
  const png = new pngjs.PNG({ width: 28, height: 28 });
  pixels.forEach((v, k) => png.data.set([v, v, v, 255], k * 4));
  writeFileSync(image, pngjs.PNG.sync.write(png));
  const out = run('examples/saliency.mjs', 'models/mnist.onnx', 'models/mnist.json', image, '7', join(dir, 'seven'));
  assert.match(out, /top classes: 7 \(/);
  for (const file of ['seven-map.png', 'seven-overlay.png']) {
    const written = pngjs.PNG.sync.read(readFileSync(join(dir, file)));
    assert.deepEqual([written.width, written.height], [28, 28]);
  }
});
