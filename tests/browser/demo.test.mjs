// The web demo in Chromium (node --test tests/browser/): served by
// scripts/serve.mjs with its CSP and cross-origin isolation headers; drawing,
// prediction, saliency, fooling, class visualization, stopping runs (in place and
// by restarting the worker), a crashed worker, opening local models, keyboard use,
// the phone layout, and (with ../shared/realdata) a real ImageNet model on a photo.
// Every test fails on any console error, page error or CSP violation.
// Screenshots: tests/artifacts/.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PNG } from 'pngjs';
import { SALIENCY_METHODS } from '../../js/index.js';
import { CONTENT_SECURITY_POLICY, startServer } from '../../scripts/serve.mjs';
import { ARTIFACTS, CHROMIUM, FIXTURES, REALDATA, hasTrainedMnist, openDemo } from './harness.mjs';

const noChromium = existsSync(CHROMIUM) ? false : `${CHROMIUM} is missing (apt-get install -y chromium)`;
const noRealdata = existsSync(REALDATA) ? false : `${REALDATA} is absent (real models are not part of the repository)`;

// ---- page helpers ----

// A "7" in canvas fractions: the bar, then the diagonal, in one stroke.
const SEVEN = [[[0.25, 0.2], [0.75, 0.2], [0.45, 0.85]]];

async function draw(page, strokes) {
  const box = await page.locator('#draw-canvas').boundingBox();
  for (const stroke of strokes) {
    const at = ([fx, fy]) => [box.x + fx * box.width, box.y + fy * box.height];
    await page.mouse.move(...at(stroke[0]));
    await page.mouse.down();
    for (const point of stroke.slice(1)) await page.mouse.move(...at(point), { steps: 12 });
    await page.mouse.up();
  }
}

// Waits until every requested prediction has been shown.
const predictionSettled = (page) => page.waitForSelector('#prediction[aria-busy="false"]');

const topClasses = (page) => page.$$eval('#top-classes li', (items) => items.map((li) => ({
  index: Number(li.dataset.index),
  label: li.querySelector('.top-class-label').textContent,
  value: li.querySelector('.top-class-value').textContent,
})));

// How many pixels of a canvas are brighter than `threshold` in some channel.
const brightPixels = (page, selector, threshold = 60) => page.$eval(selector, (canvas, limit) => {
  if (!canvas.width) return 0;
  const { data } = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height);
  let bright = 0;
  for (let i = 0; i < data.length; i += 4) bright += Math.max(data[i], data[i + 1], data[i + 2]) > limit;
  return bright;
}, threshold);

async function openLocalModel(page, files, form = {}) {
  await page.click('#open-model');
  const chooser = page.waitForEvent('filechooser');
  await page.click('#onnx-file');
  await (await chooser).setFiles(files.model);
  if (files.card) await page.setInputFiles('#card-file', files.card);
  if (files.labels) await page.setInputFiles('#labels-file', files.labels);
  for (const [id, value] of Object.entries(form)) {
    if (id === 'preset' || id === 'channels') await page.selectOption(`#${id}`, value);
    else await page.fill(`#${id}`, value);
  }
  await page.click('#open-submit');
}

// Files made in the page from {name, type, bytes}, as a DataTransfer handle.
const dataTransfer = (page, files) => page.evaluateHandle((list) => {
  const transfer = new DataTransfer();
  for (const { name, type, base64 } of list) {
    transfer.items.add(new File([Uint8Array.from(atob(base64), (c) => c.charCodeAt(0))], name, { type }));
  }
  return transfer;
}, files.map(({ name, type, bytes }) => ({ name, type, base64: Buffer.from(bytes).toString('base64') })));

// A 60x40 PNG: black, with a white bar in the middle.
function barPng() {
  const png = new PNG({ width: 60, height: 40 });
  for (let y = 0; y < 40; y++) {
    for (let x = 0; x < 60; x++) {
      const white = x >= 26 && x < 34 && y >= 8 && y < 32;
      png.data.set([white ? 255 : 0, white ? 255 : 0, white ? 255 : 0, 255], (y * 60 + x) * 4);
    }
  }
  return PNG.sync.write(png);
}

// An ONNX model (protobuf written by hand) whose node 'squash' is a Hardmax,
// an operator the engine does not support.
function unsupportedOperatorModel() {
  const varint = (n) => {
    const bytes = [];
    for (; n > 127; n >>>= 7) bytes.push((n & 127) | 128);
    return [...bytes, n];
  };
  const message = (field, bytes) => [...varint((field << 3) | 2), ...varint(bytes.length), ...bytes];
  const integer = (field, value) => [...varint(field << 3), ...varint(value)];
  const text = (field, value) => message(field, [...Buffer.from(value)]);
  const tensorInfo = (name, dims) => [...text(1, name),
    ...message(2, message(1, [...integer(1, 1), ...message(2, dims.flatMap((d) => message(1, integer(1, d))))]))];
  const node = (op, name, input, output) => [...text(1, input), ...text(2, output), ...text(3, name), ...text(4, op)];
  const graph = [...message(1, node('Hardmax', 'squash', 'x', 's')), ...message(1, node('Flatten', 'flat', 's', 'y')),
    ...text(2, 'g'), ...message(11, tensorInfo('x', [1, 1, 8, 8])), ...message(12, tensorInfo('y', [1, 64]))];
  return Buffer.from([...integer(1, 7), ...message(7, graph), ...message(8, integer(2, 13))]);
}

function assertNoErrors(demo) {
  assert.deepEqual(demo.errors, [], 'console errors, page errors or CSP violations');
}

// ---- the server ----

function rawGet(port, path, method = 'GET') {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, method }, (res) => {
      res.resume();
      res.on('end', () => resolve(res));
    });
    req.on('error', reject);
    req.end();
  });
}

test('server: headers, MIME types, nothing outside web/ js/ dist/ models/', async () => {
  const server = startServer({ port: 0 });
  await once(server, 'listening');
  const { port } = server.address();
  try {
    const page = await rawGet(port, '/');
    assert.equal(page.statusCode, 200);
    assert.match(page.headers['content-type'], /^text\/html/);
    assert.equal(page.headers['content-security-policy'], CONTENT_SECURITY_POLICY);
    assert.match(CONTENT_SECURITY_POLICY, /script-src 'self' 'wasm-unsafe-eval'/);
    assert.match(CONTENT_SECURITY_POLICY, /style-src 'self'(;|$)/);
    assert.equal(page.headers['cross-origin-opener-policy'], 'same-origin');
    assert.equal(page.headers['cross-origin-embedder-policy'], 'require-corp');
    for (const [path, type] of [['/web/app.js', /^text\/javascript/], ['/web/style.css', /^text\/css/],
      ['/js/index.js', /^text\/javascript/], ['/dist/gradlens-simd.wasm', /^application\/wasm$/],
      ['/web/icon.svg', /^image\/svg\+xml$/]]) {
      const res = await rawGet(port, path);
      assert.equal(res.statusCode, 200, path);
      assert.match(res.headers['content-type'], type, path);
      assert.equal(res.headers['cross-origin-embedder-policy'], 'require-corp', path);
    }
    const head = await rawGet(port, '/web/index.html', 'HEAD');
    assert.equal(head.statusCode, 200);
    for (const path of ['/package.json', '/scripts/serve.mjs', '/tests/fixtures/lenet.onnx', '/web/', '/web',
      '/web/../package.json', '/web/%2e%2e/package.json', '/web/..%2fpackage.json', '/js/..%2f..%2f..%2fetc%2fpasswd',
      '/models/../scripts/serve.mjs', '/%2e%2e/main/package.json', '/web/%00index.html', '/web/%E0%A4%A']) {
      assert.equal((await rawGet(port, path)).statusCode, 404, path);
    }
    assert.equal((await rawGet(port, '/web/index.html', 'POST')).statusCode, 405);
  } finally {
    server.close();
  }
});

// ---- the page ----

test('draw a digit: prediction, saliency, fooling, download, class visualization', { skip: noChromium }, async () => {
  const demo = await openDemo();
  const { page } = demo;
  try {
    const response = await page.goto(demo.url);
    assert.equal(response.headers()['content-security-policy'], CONTENT_SECURITY_POLICY);
    assert.equal(await page.evaluate(() => crossOriginIsolated), true);
    await page.waitForSelector('#top-classes li');
    await predictionSettled(page);
    await demo.screenshot('01-loaded');

    await draw(page, SEVEN);
    await predictionSettled(page);
    const top = await topClasses(page);
    assert.equal(top.length, 5);
    // A trained MNIST model reads the 7; the stand-in has random weights.
    if (hasTrainedMnist) assert.equal(top[0].index, 7, `the drawn 7 was read as ${top[0].label}`);
    assert.ok(await brightPixels(page, '#model-input') > 20, 'the drawing does not reach the model input');
    assert.ok(await brightPixels(page, '#saliency-map') > 20, 'the saliency map is blank');
    assert.ok(await brightPixels(page, '#saliency-overlay') > 20, 'the overlay is blank');
    await page.selectOption('#colormap', 'viridis');
    await page.fill('#opacity', '0.9');
    assert.ok(await brightPixels(page, '#saliency-map') > 20, 'the viridis saliency map is blank');
    await demo.screenshot('02-drawn-seven');

    // The runner-up: reachable within 100 steps even for the stand-in's random
    // weights, which favour one class almost everywhere.
    const target = top[1].index;
    await page.selectOption('#fool-target', String(target));
    await page.click('#fool-run');
    await page.waitForFunction(() => /^(Fooled|Not fooled|Failed)/.test(document.querySelector('#fool-status').textContent));
    const status = await page.textContent('#fool-status');
    assert.match(status, /^Fooled/, status);
    assert.match(await page.textContent('#fool-stats'), /Fooledyes/);
    for (const panel of ['#fool-original', '#fool-image', '#fool-difference', '#fool-difference-10']) {
      assert.ok(await brightPixels(page, panel) > 20, `${panel} is blank`);
    }
    await demo.screenshot('03-fooled');
    const download = page.waitForEvent('download');
    await page.click('#fool-download');
    const file = await download;
    assert.match(file.suggestedFilename(), /^fooling-.*\.png$/);
    await file.saveAs(`${ARTIFACTS}03-fooling-download.png`);

    await page.selectOption('#visualize-class', '3');
    await page.click('#visualize-run');
    await page.waitForFunction(() => /^(Done|Failed|Stopped)/.test(document.querySelector('#visualize-status').textContent));
    assert.match(await page.textContent('#visualize-status'), /^Done/);
    assert.equal(await page.$eval('#visualize-progress', (p) => p.value), 100);
    assert.ok(await brightPixels(page, '#visualize-image', 30) > 20, 'the class visualization is blank');
    await demo.screenshot('04-visualized');
    assertNoErrors(demo);
  } finally {
    await demo.close();
  }
});

test('every saliency method the engine offers is in the selector and draws a map', { skip: noChromium }, async () => {
  const demo = await openDemo();
  const { page } = demo;
  try {
    await page.goto(demo.url);
    await page.waitForSelector('#top-classes li');
    await predictionSettled(page);
    const offered = await page.$$eval('#saliency-method option', (options) => options.map((o) => o.value));
    assert.deepEqual(offered, [...SALIENCY_METHODS]);
    for (const method of offered) {
      await page.selectOption('#saliency-method', method);
      await predictionSettled(page);
      // No problem reported; signed maps say how to read them.
      const note = await page.isHidden('#saliency-note') ? '' : await page.textContent('#saliency-note');
      assert.ok(note === '' || note.startsWith('A signed map'), `${method}: ${note}`);
      assert.ok(await brightPixels(page, '#saliency-map') > 20, `${method}: the map is blank`);
      await demo.screenshot(`10-method-${method}`);
    }
    assertNoErrors(demo);
  } finally {
    await demo.close();
  }
});

for (const isolated of [true, false]) {
  const how = isolated ? 'in place through a SharedArrayBuffer' : 'by restarting the worker (no isolation)';
  test(`Stop cancels a run ${how}, and the engine keeps answering`, { skip: noChromium }, async () => {
    const demo = await openDemo({ isolated });
    const { page } = demo;
    let workersStarted = 0; // the engine's workers, not the threads' (pool-worker.js) on many-core machines
    page.on('worker', (w) => { if (w.url().endsWith('worker-thread.js')) workersStarted++; });
    try {
      await page.goto(demo.url);
      assert.equal(await page.evaluate(() => crossOriginIsolated), isolated);
      await page.waitForSelector('#top-classes li');
      assert.match(await page.textContent('#engine-status'), isolated ? /Stop acts within an iteration/ : /restarts the engine/);
      await page.fill('#visualize-iterations', '1000');
      // Stop right after Run: the job is in the worker before its first iteration.
      await page.evaluate(() => {
        document.querySelector('#visualize-run').click();
        document.querySelector('#visualize-stop').click();
      });
      await page.waitForFunction(() => document.querySelector('#visualize-status').textContent.startsWith('Stopped'));
      assert.ok(await page.$eval('#visualize-progress', (p) => p.value) < 1000);
      assert.equal(await page.isDisabled('#visualize-stop'), true);
      // The engine (restarted or not) still has the model.
      await page.click('#gallery .thumb:nth-child(42)');
      await predictionSettled(page);
      assert.equal((await topClasses(page)).length, 5);
      assert.equal(await page.getAttribute('#gallery .thumb:nth-child(42)', 'aria-pressed'), 'true');
      await page.click('#fool-run');
      await page.waitForFunction(() => /^(Fooled|Not fooled|Failed)/.test(document.querySelector('#fool-status').textContent));
      assert.match(await page.textContent('#fool-status'), /^(Fooled|Not fooled)/);
      // Stopping in place kept the worker; the fallback replaced it.
      assert.equal(workersStarted, isolated ? 1 : 2, 'workers started');
      assertNoErrors(demo);
    } finally {
      await demo.close();
    }
  });
}

test('a crashed worker is reported, restarted, and its model reloaded', { skip: noChromium }, async () => {
  const demo = await openDemo();
  const { page } = demo;
  try {
    await page.goto(demo.url);
    await page.waitForSelector('#top-classes li');
    const worker = page.workers().find((w) => w.url().endsWith('worker-thread.js'));
    await worker.evaluate(() => setTimeout(() => { throw new Error('simulated crash'); }));
    await page.waitForSelector('#alerts .alert');
    assert.match(await page.textContent('#alerts'), /crashed.*simulated crash.*restarted and the model reloaded/);
    await page.click('#gallery .thumb:nth-child(12)');
    await predictionSettled(page);
    assert.equal((await topClasses(page)).length, 5);
    await page.click('#alerts .alert button');
    assert.equal(await page.$('#alerts .alert'), null);
    assertNoErrors(demo);
  } finally {
    await demo.close();
  }
});

test('Open ONNX model: a broken model and an unsupported operator are named; a model with its card opens',
  { skip: noChromium }, async () => {
  const demo = await openDemo();
  const { page } = demo;
  const scratch = mkdtempSync(join(tmpdir(), 'gradlens-demo-'));
  try {
    await page.goto(demo.url);
    await page.waitForSelector('#top-classes li');

    const broken = join(scratch, 'broken.onnx');
    writeFileSync(broken, Buffer.from('this is not an ONNX model'));
    await openLocalModel(page, { model: broken });
    await page.waitForSelector('#open-error:not(:empty)');
    const message = await page.textContent('#open-error');
    assert.match(message, /^Could not open broken\.onnx: \S/, message);
    await page.click('#open-cancel');

    const unsupported = join(scratch, 'hardmax.onnx');
    writeFileSync(unsupported, unsupportedOperatorModel());
    await openLocalModel(page, { model: unsupported });
    await page.waitForSelector('#open-error:not(:empty)');
    assert.equal(await page.textContent('#open-error'),
      "Could not open hardmax.onnx: unsupported operator: Hardmax (node 'squash')");
    await demo.screenshot('05-unsupported-operator');
    await page.click('#open-cancel');
    // The shipped model is still loaded and answering.
    await page.click('#gallery .thumb:nth-child(5)');
    await predictionSettled(page);
    assert.match(await page.textContent('#engine-status'), /^MNIST digits: /);

    const card = join(scratch, 'digits.json');
    writeFileSync(card, JSON.stringify({ labels: 'zero one two three four five six seven eight nine'.split(' '),
      input: { channels: 'GRAY', mean: [0.1307], std: [0.3081] } }));
    await openLocalModel(page, { model: `${FIXTURES}lenet.onnx`, card });
    await page.waitForSelector('#open-dialog', { state: 'hidden' });
    assert.match(await page.textContent('#engine-status'), /^lenet\.onnx: 1×28×28 input, 10 classes/);
    assert.equal(await page.$eval('#model-select', (s) => s.selectedOptions[0].text), 'lenet.onnx (local file)');
    await draw(page, SEVEN);
    await predictionSettled(page);
    const labels = (await topClasses(page)).map((c) => c.label);
    assert.equal(labels.length, 5);
    assert.ok(labels.every((l) => /^(zero|one|two|three|four|five|six|seven|eight|nine)$/.test(l)), labels.join());

    // Back to a shipped model: the local entry goes away.
    await page.selectOption('#model-select', '1');
    await page.waitForFunction(() => document.querySelector('#engine-status').textContent.startsWith('Fashion-MNIST'));
    assert.equal(await page.$$eval('#model-select option', (o) => o.length), 2);
    assertNoErrors(demo);
  } finally {
    await demo.close();
  }
});

test('an image dropped or pasted becomes the input; a dropped .onnx with its card opens', { skip: noChromium }, async () => {
  const demo = await openDemo();
  const { page } = demo;
  try {
    await page.goto(demo.url);
    await page.waitForSelector('#top-classes li');
    await predictionSettled(page);
    const image = { name: 'bar.png', type: 'image/png', bytes: barPng() };
    // Centre crop to 28x28 of a 60x40 picture: the bar stays, 28 of 40 rows high.
    const barIsInput = () => page.$eval('#model-input', (canvas) => {
      const { data } = canvas.getContext('2d').getImageData(0, 0, 28, 28);
      return data[(14 * 28 + 14) * 4] > 200 && data[(14 * 28 + 2) * 4] < 50;
    });

    await page.dispatchEvent('body', 'drop', { dataTransfer: await dataTransfer(page, [image]) });
    await page.waitForFunction(() => document.querySelector('#gallery [aria-pressed="true"]') === null);
    await predictionSettled(page);
    assert.ok(await barIsInput(), 'the dropped image is not the input');

    await page.click('#gallery .thumb:nth-child(3)');
    await predictionSettled(page);
    assert.equal(await barIsInput(), false);
    const clipboard = await dataTransfer(page, [image]);
    await page.evaluate((clipboardData) => {
      document.dispatchEvent(new ClipboardEvent('paste', { clipboardData, bubbles: true }));
    }, clipboard);
    await page.waitForFunction(() => document.querySelector('#gallery [aria-pressed="true"]') === null);
    await predictionSettled(page);
    assert.ok(await barIsInput(), 'the pasted image is not the input');

    const files = [
      { name: 'lenet.onnx', type: '', bytes: readFileSync(`${FIXTURES}lenet.onnx`) },
      { name: 'lenet.json', type: 'application/json', bytes: readFileSync(`${FIXTURES}lenet.json`) },
    ];
    await page.dispatchEvent('body', 'drop', { dataTransfer: await dataTransfer(page, files) });
    await page.waitForSelector('#open-dialog', { state: 'visible' });
    assert.deepEqual(await page.$eval('#onnx-file', (input) => [...input.files].map((f) => f.name)), ['lenet.onnx']);
    assert.equal(await page.isDisabled('#preset'), true, 'the card replaces the preprocessing fields');
    await page.click('#open-submit');
    await page.waitForSelector('#open-dialog', { state: 'hidden' });
    assert.match(await page.textContent('#engine-status'), /^lenet\.onnx: /);
    await predictionSettled(page);
    assert.ok(await barIsInput(), 'the image is not kept as the input of the new model');
    assertNoErrors(demo);
  } finally {
    await demo.close();
  }
});

test('keyboard: the gallery is one Tab stop with arrow keys; large text; focus follows Run and Stop',
  { skip: noChromium }, async () => {
  const demo = await openDemo();
  const { page } = demo;
  try {
    await page.goto(demo.url);
    await page.waitForSelector('#top-classes li');
    await predictionSettled(page);
    // Tab from the Clear button reaches the gallery's current thumbnail.
    await page.focus('#mnist-style');
    await page.keyboard.press('Tab');
    const focusedLabel = () => page.evaluate(() => document.activeElement.getAttribute('aria-label'));
    assert.match(await focusedLabel(), /^Sample 1: /);
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('ArrowRight');
    assert.match(await focusedLabel(), /^Sample 12: /);
    await page.keyboard.press('Enter');
    await predictionSettled(page);
    assert.equal(await page.getAttribute('#gallery .thumb:nth-child(12)', 'aria-pressed'), 'true');
    await page.keyboard.press('Tab');
    assert.equal(await page.evaluate(() => document.activeElement.id), 'image-file');
    // Every control has an accessible name.
    const unnamed = await page.$$eval('button, select, input', (controls) => controls
      .filter((c) => !(c.labels?.length || c.getAttribute('aria-label') || c.textContent.trim()))
      .map((c) => c.id || c.outerHTML));
    assert.deepEqual(unnamed, []);
    await page.focus('#large-text');
    await page.keyboard.press('Enter');
    assert.equal(await page.getAttribute('#large-text', 'aria-pressed'), 'true');
    assert.ok(await page.evaluate(() => parseFloat(getComputedStyle(document.documentElement).fontSize)) >= 24);
    await demo.screenshot('06-large-text');
    await page.focus('#fool-run');
    await page.keyboard.press('Enter');
    await page.waitForFunction(() => !document.querySelector('#fool-run').disabled);
    assert.equal(await page.evaluate(() => document.activeElement.id), 'fool-run');
    assertNoErrors(demo);
  } finally {
    await demo.close();
  }
});

test('screenshots at 1280x800 and on a 390 px phone: one column, no sideways scrolling', { skip: noChromium }, async () => {
  for (const [name, viewport] of [['desktop', { width: 1280, height: 800 }], ['phone', { width: 390, height: 844 }]]) {
    const demo = await openDemo({ viewport });
    const { page } = demo;
    try {
      await page.goto(demo.url);
      await page.waitForSelector('#top-classes li');
      await draw(page, SEVEN);
      await predictionSettled(page);
      await page.click('#fool-run');
      await page.waitForSelector('#fool-result:not([hidden])');
      await page.click('#visualize-run');
      await page.waitForSelector('#visualize-result:not([hidden])');
      await page.waitForFunction(() => document.querySelector('#visualize-status').textContent.startsWith('Done'));
      await page.evaluate(() => scrollTo(0, 0));
      await page.screenshot({ path: `${ARTIFACTS}layout-${name}.png` });
      await demo.screenshot(`layout-${name}-full`);
      assert.ok(await page.evaluate(() => document.documentElement.scrollWidth <= innerWidth), `${name}: sideways scrolling`);
      const columns = await page.$eval('#main', (main) => getComputedStyle(main).gridTemplateColumns.split(' ').length);
      assert.equal(columns, name === 'phone' ? 1 : 2);
      assertNoErrors(demo);
    } finally {
      await demo.close();
    }
  }
});

// ---- real models (../shared/realdata) ----

test('SqueezeNet 1.1 (fp16, Caffe BGR) opened from files reads coral_cat.png as a cat; Stop during a visualization',
  { skip: noChromium || noRealdata }, async () => {
  const demo = await openDemo();
  const { page } = demo;
  try {
    await page.goto(demo.url);
    await page.waitForSelector('#top-classes li');
    await openLocalModel(page, {
      model: `${REALDATA}models/squeezenet1.1_fp16.onnx`, labels: `${REALDATA}labels/imagenet_1000.txt`,
    }, { preset: 'caffe' });
    await page.waitForSelector('#open-dialog', { state: 'hidden' });
    assert.match(await page.textContent('#engine-status'), /3×224×224 input, 1000 classes/);
    const chooser = page.waitForEvent('filechooser');
    await page.click('#image-file');
    await (await chooser).setFiles(`${REALDATA}images/coral_cat.png`);
    // The blank drawing is a 224x224 input too: wait for the photo itself (painted
    // in the same task that starts its prediction).
    await page.waitForFunction(() => {
      const canvas = document.querySelector('#model-input');
      const { data } = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height);
      return canvas.width === 224 && data.some((v, k) => k % 4 !== 3 && v > 60);
    });
    await predictionSettled(page);
    const [best] = await topClasses(page);
    assert.ok(best.index >= 281 && best.index <= 285, `coral_cat.png read as ${best.index} ${best.label}`);
    assert.ok(await brightPixels(page, '#saliency-map') > 500, 'the saliency map is blank');
    await demo.screenshot('07-squeezenet-cat');

    // A long run: progress at least every 100 ms or so, then Stop takes effect at once.
    await page.fill('#visualize-iterations', '1000');
    await page.evaluate(() => {
      window.progressTimes = [];
      new MutationObserver(() => window.progressTimes.push(performance.now()))
        .observe(document.querySelector('#visualize-detail'), { childList: true, characterData: true, subtree: true });
    });
    await page.click('#visualize-run');
    await page.waitForSelector('#visualize-result:not([hidden])', { timeout: 60_000 });
    await page.waitForFunction(() => window.progressTimes.length >= 20, null, { timeout: 60_000 });
    const stopAsked = await page.evaluate(() => performance.now());
    await page.click('#visualize-stop');
    await page.waitForFunction(() => document.querySelector('#visualize-status').textContent.startsWith('Stopped'));
    const stopTook = (await page.evaluate(() => performance.now())) - stopAsked;
    const gaps = await page.evaluate(() => window.progressTimes.slice(1).map((t, i) => t - window.progressTimes[i]));
    const medianGap = gaps.sort((a, b) => a - b)[Math.floor(gaps.length / 2)];
    // Timings are measured, not asserted (they depend on the machine's load): the
    // assertion is that Stop ended the run long before its 1000 iterations.
    console.log(`# SqueezeNet visualization: Stop took ${stopTook.toFixed(0)} ms; median progress gap ${medianGap.toFixed(0)} ms`);
    assert.ok(await page.$eval("#visualize-progress", (p) => p.value) < 1000, "the run was not stopped");
    await demo.screenshot('08-squeezenet-visualization-stopped');
    assertNoErrors(demo);
  } finally {
    await demo.close();
  }
});

test('a real MNIST model (mnist_cntk, raw 0-255) reads a drawn 7 as 7', { skip: noChromium || noRealdata }, async () => {
  const demo = await openDemo();
  const { page } = demo;
  try {
    await page.goto(demo.url);
    await page.waitForSelector('#top-classes li');
    await openLocalModel(page, { model: `${REALDATA}models/mnist_cntk.onnx`, labels: `${REALDATA}labels/mnist.txt` },
      { preset: 'raw255', channels: 'GRAY', mean: '0', std: '1' });
    await page.waitForSelector('#open-dialog', { state: 'hidden' });
    await draw(page, SEVEN);
    await predictionSettled(page);
    const [best] = await topClasses(page);
    assert.equal(best.label, '7');
    await demo.screenshot('09-mnist-cntk-seven');
    assertNoErrors(demo);
  } finally {
    await demo.close();
  }
});
