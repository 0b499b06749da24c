// The command line (bin/gradlens.mjs) as a user runs it, in a temporary folder:
// each command on MNIST digits saved as PNG and JPEG files and on the LeNet
// fixture, exit codes, files that decode, --json that parses, and usage errors
// (exit 2) that say what is wrong.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readImage } from '../../js/image-files.js';
import { progressBar } from '../../cli/progress-bar.js';
import { digitJpeg, digitPng } from './digit-images.js';
import { FIXTURES } from './helpers.js';

const CLI = fileURLToPath(new URL('../../bin/gradlens.mjs', import.meta.url));
const { version } = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8'));
let dir;

/** Runs gradlens in the temporary folder: {code, stdout, stderr}. */
function gradlens(...args) {
  return new Promise((resolve) => {
    execFile(process.execPath, [CLI, ...args], { cwd: dir, encoding: 'utf8' }, (err, stdout, stderr) => {
      resolve({ code: err ? err.code : 0, stdout, stderr });
    });
  });
}

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'gradlens-cli-'));
  copyFileSync(`${FIXTURES}lenet.onnx`, join(dir, 'lenet.onnx'));
  copyFileSync(`${FIXTURES}lenet.json`, join(dir, 'lenet.json')); // found beside the model
  mkdirSync(join(dir, 'digits'));
  mkdirSync(join(dir, 'empty'));
  writeFileSync(join(dir, 'digits', 'seven.png'), digitPng(7));
  writeFileSync(join(dir, 'digits', 'three.jpg'), await digitJpeg(3));
  writeFileSync(join(dir, 'digits', 'notes.txt'), 'not an image, and not read');
  // A model with an operator the engine lacks: LeNet with its Relu renamed.
  writeFileSync(join(dir, 'relx.onnx'), Buffer.from(readFileSync(`${FIXTURES}lenet.onnx`).toString('latin1')
    .replaceAll('Relu', 'Relx'), 'latin1'));
});

after(() => rmSync(dir, { recursive: true, force: true }));

test('predict: one image as text, a folder of PNG and JPEG files as JSON', async () => {
  const one = await gradlens('predict', '--model', 'lenet.onnx', '--image', 'digits/seven.png', '--top', '3');
  assert.equal(one.code, 0, one.stderr);
  assert.match(one.stdout, /^digits\/seven\.png: (class \d \d+\.\d%(, |\n)){3}$/);
  const folder = await gradlens('predict', '--model', 'lenet.onnx', '--image', 'digits', '--json');
  assert.equal(folder.code, 0, folder.stderr);
  const results = JSON.parse(folder.stdout);
  assert.deepEqual(results.map((r) => r.image), ['digits/seven.png', 'digits/three.jpg']);
  for (const { top } of results) {
    assert.equal(top.length, 5);
    assert.ok(top.every((t, k) => t.label === `class ${t.index}` && (k === 0 || t.logit <= top[k - 1].logit)));
  }
  assert.equal(folder.stderr, '', 'no progress bar when stderr is not a terminal');
});

test('saliency: a heatmap and an overlay per image, magnified, for each method', async () => {
  for (const method of ['vanilla', 'integrated-gradients', 'grad-cam']) {
    const run = await gradlens('saliency', '--model', 'lenet.onnx', '--image', 'digits', '--method', method,
      '--target', '7', '--out', 'maps', '--json');
    assert.equal(run.code, 0, run.stderr);
    const results = JSON.parse(run.stdout);
    assert.equal(results.length, 2);
    for (const result of results) {
      assert.deepEqual([result.method, result.target], [method, { index: 7, label: 'class 7' }]);
      for (const file of [result.heatmap, result.overlay]) {
        const image = await readImage(join(dir, file));
        assert.deepEqual([image.width, image.height], [224, 224], file);
      }
    }
  }
  const text = await gradlens('saliency', '--model', 'lenet.onnx', '--image', 'digits/three.jpg', '--out', 'maps');
  assert.match(text.stdout, /^digits\/three\.jpg: vanilla saliency of "class \d" -> maps\/three-vanilla-heatmap\.png, maps\/three-vanilla-overlay\.png\n$/);
});

test('fool: the cs231n figure and the numbers, for the cs231n rule and PGD', async () => {
  const run = await gradlens('fool', '--model', 'lenet.onnx', '--image', 'digits/seven.png', '--target', 'class 2',
    '--iterations', '50', '--out', 'figures', '--json');
  assert.equal(run.code, 0, run.stderr);
  const [result] = JSON.parse(run.stdout);
  assert.deepEqual(result.target, { index: 2, label: 'class 2' });
  assert.equal(result.success, result.after.index === 2);
  assert.ok(result.iterations <= 50 && result.l2 >= 0 && result.linf <= 1);
  const figure = await readImage(join(dir, result.figure));
  assert.deepEqual([figure.width, figure.height], [4 * 224 + 5 * 4, 224 + 2 * 4], 'four magnified panels in a row');
  const pgd = await gradlens('fool', '--model', 'lenet.onnx', '--image', 'digits', '--method', 'pgd', '--epsilon', '0.1', '--out', 'figures');
  assert.equal(pgd.code, 0, pgd.stderr);
  assert.match(pgd.stdout, /^digits\/seven\.png: "class \d" -> "class \d": (not )?fooled away from its class after 10 iterations \(L2 [\d.]+, L-inf 0\.1\d*\) -> figures\/seven-fool-pgd\.png$/m);
  assert.ok(existsSync(join(dir, 'figures', 'three-fool-pgd.png')));
});

test('visualize: the class named by its label, as a PNG', async () => {
  const run = await gradlens('visualize', '--model', 'lenet.onnx', '--target', 'CLASS 8', '--iterations', '20', '--json');
  assert.equal(run.code, 0, run.stderr);
  const result = JSON.parse(run.stdout);
  assert.deepEqual([result.target, result.iterations, result.image], [{ index: 8, label: 'class 8' }, 20, 'lenet-class_8-visualization.png']);
  assert.ok(Number.isFinite(result.score));
  const image = await readImage(join(dir, result.image));
  assert.equal(image.width, 224);
});

test('inspect: a model gradlens runs, and one it cannot', async () => {
  const json = await gradlens('inspect', '--model', 'lenet.onnx', '--json');
  assert.equal(json.code, 0, json.stderr);
  const summary = JSON.parse(json.stdout);
  assert.equal(summary.loadable, true);
  assert.deepEqual(summary.inputs[0].shape, [null, 1, 28, 28]);
  const text = await gradlens('inspect', '--model', 'relx.onnx');
  assert.equal(text.code, 0, text.stderr);
  assert.match(text.stdout, /gradlens cannot run it:\n {4}unsupported operator Relx \(node '[^']+'\)/);
});

test('runtime failures exit 1 naming what failed; the other images still run', async () => {
  writeFileSync(join(dir, 'broken.onnx'), readFileSync(join(dir, 'lenet.onnx')).subarray(0, 500));
  const model = await gradlens('predict', '--model', 'broken.onnx', '--image', 'digits');
  assert.equal(model.code, 1);
  assert.match(model.stderr, /^gradlens predict: broken\.onnx: .*(truncated|corrupt)/);
  mkdirSync(join(dir, 'mixed'));
  copyFileSync(join(dir, 'digits', 'seven.png'), join(dir, 'mixed', 'a.png'));
  writeFileSync(join(dir, 'mixed', 'b.png'), 'not a PNG at all');
  const images = await gradlens('predict', '--model', 'lenet.onnx', '--image', 'mixed', '--json');
  assert.equal(images.code, 1);
  const [good, bad] = JSON.parse(images.stdout);
  assert.equal(good.top.length, 5);
  assert.deepEqual(bad, { image: 'mixed/b.png', error: 'not a PNG or JPEG image' });
  assert.equal(images.stderr, 'gradlens: mixed/b.png: not a PNG or JPEG image\n');
});

test('usage errors exit 2 and say what is wrong; --help and --version exit 0', async () => {
  const cases = [
    [[], /no command given/],
    [['explain', '--model', 'lenet.onnx'], /unknown command "explain" \(commands: inspect, predict, saliency, fool, visualize\)/],
    [['predict', '--model', 'lenet.onnx'], /predict needs --image/],
    [['predict', '--model', 'lenet.onnx', '--image', 'digits', '--colour', 'red'], /Unknown option '--colour'/],
    [['predict', '--model', 'lenet.onnx', '--image', 'nowhere.png'], /--image nowhere\.png: no such file or folder/],
    [['predict', '--model', 'nothing.onnx', '--image', 'digits'], /--model nothing\.onnx: no such file \(shipped models: mnist, fashion-mnist\)/],
    [['predict', '--model', 'lenet.onnx', '--image', 'digits', '--top', 'many'], /--top must be an integer of at least 1, got "many"/],
    [['inspect', '--model', 'lenet.onnx', '--image', 'digits'], /--image does not apply to inspect/],
    [['saliency', '--model', 'lenet.onnx', '--image', 'digits', '--method', 'lime'], /unknown saliency method "lime"/],
    [['saliency', '--model', 'lenet.onnx', '--image', 'digits', '--target', '10'], /--target 10: the model has 10 classes, 0 to 9/],
    [['fool', '--model', 'lenet.onnx', '--image', 'digits'], /fool with the cs231n method needs --target/],
    [['fool', '--model', 'lenet.onnx', '--image', 'digits', '--method', 'fgsm', '--iterations', '5'], /--iterations applies to the cs231n method, not fgsm/],
    [['visualize', '--model', 'lenet.onnx', '--target', 'cat'], /--target "cat" is neither a class id nor a label of this model \(class 0, /],
    [['predict', '--model', 'lenet.onnx', '--image', 'empty'], /--image empty: no PNG or JPEG files in this folder/],
  ];
  for (const [args, message] of cases) {
    const run = await gradlens(...args);
    assert.equal(run.code, 2, `${args.join(' ')}: ${run.stderr}`);
    assert.match(run.stderr, message);
    assert.match(run.stderr, /Run 'gradlens --help' for usage\.\n$/);
    assert.equal(run.stdout, '');
  }
  const help = await gradlens('--help');
  assert.equal(help.code, 0);
  assert.match(help.stdout, /^Usage: gradlens <command> \[options\]/);
  assert.deepEqual(await gradlens('predict', '-h'), help);
  assert.deepEqual(await gradlens('--version'), { code: 0, stdout: `${version}\n`, stderr: '' });
});

test('the progress bar draws in place on a terminal, and not elsewhere', () => {
  const written = [];
  const terminal = { isTTY: true, columns: 60, write: (s) => written.push(s) };
  const bar = progressBar(4, terminal);
  bar.show(1, 'a.png');
  bar.clear();
  assert.deepEqual(written, [`\r[${'#'.repeat(8)}${'-'.repeat(22)}] 1/4 a.png\x1b[K`, '\r\x1b[K']);
  assert.equal(progressBar(4, { isTTY: false, write: () => assert.fail('wrote to a pipe') }), null);
});
