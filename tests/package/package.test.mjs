// The npm package as a user meets it (node --test tests/package/, after `make all`):
// `npm pack` of this repository installed into a fresh project, then
// - the tarball's file list: what users need and nothing else;
// - Node ESM: the README's Node examples (examples/node.mjs, examples/worker.mjs);
// - the command line: the README's commands (examples/cli.sh) through npx;
// - TypeScript: an example type-checked against the declarations (tsc --noEmit,
//   nodenext and bundler resolution);
// - a bundler: the README's Vite example (examples/vite/) built with Vite 7, served
//   by `vite preview` and by the dev server, run in Chromium;
// - no bundler: the README's <script type="module"> page (examples/browser.html)
//   served as plain files, run in Chromium.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, cpSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { readImage } from '../../js/image-files.js';
import { CHROMIUM, launchChromium, watchErrors } from '../browser/harness.mjs';
import { digitJpeg, digitPng } from '../js/digit-images.js';
import { serveFolder } from './static-server.mjs';
import { REPO, createProject, hasShippedModels, run, startServer } from './temp-project.mjs';

const noChromium = existsSync(CHROMIUM) ? false : `${CHROMIUM} is missing (apt-get install -y chromium)`;
const TYPESCRIPT = JSON.parse(readFileSync(join(REPO, 'node_modules', 'typescript', 'package.json'), 'utf8')).version;
const example = (path) => join(REPO, 'examples', path);
let project;

before(async () => {
  for (const wasm of ['gradlens-simd.wasm', 'gradlens.wasm']) {
    assert.ok(existsSync(join(REPO, 'dist', wasm)), `dist/${wasm} is missing: run \`make all\` first`);
  }
  project = await createProject(['vite@7', `typescript@${TYPESCRIPT}`]);
  const { dir } = project;
  writeFileSync(join(dir, 'digit.png'), digitPng(7));
  mkdirSync(join(dir, 'digits'));
  writeFileSync(join(dir, 'digits', 'seven.png'), digitPng(7));
  writeFileSync(join(dir, 'digits', 'two.jpg'), await digitJpeg(2));
});

after(() => project?.close());

test('npm pack holds what users need and nothing else', () => {
  const { files, size, unpackedSize } = project.pack;
  const paths = files.map((f) => f.path);
  console.log(`# ${project.pack.filename}: ${paths.length} files, ${(size / 1024).toFixed(0)} kB packed, ` +
    `${(unpackedSize / 1024).toFixed(0)} kB unpacked`);
  for (const needed of ['package.json', 'README.md', 'LICENSE', 'CHANGELOG.md', 'dist/gradlens-simd.wasm', 'dist/gradlens.wasm',
    'js/index.js', 'js/index.d.ts', 'js/worker.js', 'js/worker.d.ts', 'js/worker-thread.js', 'js/image-files.js',
    'bin/gradlens.mjs', 'cli/main.js']) {
    assert.ok(paths.includes(needed), `${needed} is not in the package`);
  }
  const shipped = readdirSync(join(REPO, 'models'), { recursive: true })
    .filter((f) => /\.(onnx|json|u8)$/.test(f)).map((f) => `models/${f}`);
  assert.deepEqual(paths.filter((p) => p.startsWith('models/')).sort(), shipped.sort(), 'the shipped models');
  const allowed = /^(package\.json|README\.md|LICENSE|CHANGELOG\.md|dist\/gradlens(-simd(-mt)?)?\.wasm|js\/[\w-]+\.(js|d\.ts)|bin\/gradlens\.mjs|cli\/[\w/-]+\.js|models\/.+)$/;
  assert.deepEqual(paths.filter((p) => !allowed.test(p)), [], 'files users do not need');
  const manifest = JSON.parse(readFileSync(join(project.dir, 'node_modules', 'gradlens', 'package.json'), 'utf8'));
  assert.deepEqual(Object.keys(manifest.dependencies).sort(), ['@jsquash/jpeg', 'pngjs']);
});

test('Node ESM: the README\'s examples run against the installed package', async () => {
  const { dir } = project;
  copyFileSync(example('node.mjs'), join(dir, 'node.mjs'));
  const saliency = await run('node', ['node.mjs', 'digit.png'], dir);
  assert.match(saliency.stdout, /^([^:\n]+: \d+\.\d%(, |\n)){3}$/);
  if (hasShippedModels) assert.match(saliency.stdout, /^7: /, 'the shipped MNIST model reads the 7');
  const figure = await readImage(join(dir, 'saliency.png'));
  assert.deepEqual([figure.width, figure.height], [3 * 224 + 4 * 4, 224 + 2 * 4], 'image, heatmap and overlay, x8');

  copyFileSync(example('worker.mjs'), join(dir, 'worker.mjs'));
  const worker = await run('node', ['worker.mjs'], dir, { timeout: 60_000 });
  assert.match(worker.stdout, /^iteration 0: P\(3\) = \d\.\d{3}\n/);
  assert.match(worker.stdout, /\nfooled: (true|false), after \d+ iterations\nAbortError: cancelled at iteration \d+\nthe fooling image reads as .+\n$/);
});

test('the command line: the README\'s commands run through npx', async () => {
  const { dir } = project;
  await run('bash', ['-e', example('cli.sh')], dir);
  const predictions = JSON.parse(readFileSync(join(dir, 'predictions.json'), 'utf8'));
  assert.deepEqual(predictions.map((p) => p.image), ['digits/seven.png', 'digits/two.jpg']);
  if (hasShippedModels) assert.deepEqual(predictions.map((p) => p.top[0].label), ['7', '2']);
  const eight = hasShippedModels ? '8' : 'class_8'; // the stand-in model's labels are "class k"
  for (const file of ['maps/seven-smoothgrad-overlay.png', 'maps/two-smoothgrad-heatmap.png', 'figures/digit-fool-cs231n.png',
    `figures/mnist-${eight}-visualization.png`]) {
    const image = await readImage(join(dir, file));
    assert.ok(image.width >= 224, file);
  }
});

test('TypeScript: an example type-checks against the declarations', async () => {
  const { dir } = project;
  copyFileSync(join(REPO, 'tests', 'package', 'typed.ts'), join(dir, 'typed.ts'));
  copyFileSync(join(REPO, 'tests', 'package', 'tsconfig.json'), join(dir, 'tsconfig.json'));
  writeFileSync(join(dir, 'tsconfig.bundler.json'), JSON.stringify({
    extends: './tsconfig.json', compilerOptions: { module: 'esnext', moduleResolution: 'bundler' },
  }));
  await run('npx', ['tsc', '-p', 'tsconfig.json'], dir);
  await run('npx', ['tsc', '-p', 'tsconfig.bundler.json'], dir);
});

// Opens `url` in Chromium and checks the Vite example: the worker's prediction,
// a visualization stopped at once, then one run to the end.
async function checkVitePage(url) {
  const browser = await launchChromium();
  try {
    const page = await browser.newPage();
    const errors = watchErrors(page);
    await page.goto(url);
    await page.waitForSelector('#run:not([disabled])', { timeout: 30_000 });
    assert.match(await page.textContent('#prediction'), /^The first test digit reads as .+ \(\d+\.\d%\)\.$/);
    if (hasShippedModels) assert.match(await page.textContent('#prediction'), /reads as 0 /);
    const status = () => page.waitForFunction(() => /^(Done|Stopped|Failed)/.test(document.querySelector('#status').textContent))
      .then(() => page.textContent('#status'));
    await page.evaluate(() => {
      document.querySelector('#run').click();
      document.querySelector('#stop').click();
    });
    assert.equal(await status(), 'Stopped.');
    await page.click('#run');
    assert.equal(await status(), 'Done.');
    assert.equal(await page.$eval('#visualization', (canvas) => canvas.width), 28);
    assert.deepEqual(errors, []);
  } finally {
    await browser.close();
  }
}

test('a bundler: Vite builds the example with the wasm, worker and model, and it runs', { skip: noChromium }, async () => {
  const { dir } = project;
  cpSync(example('vite'), dir, { recursive: true });
  await run('npx', ['vite', 'build'], dir);
  const assets = readdirSync(join(dir, 'dist', 'assets'));
  for (const emitted of [/^gradlens-simd-.*\.wasm$/, /^gradlens-[^s].*\.wasm$/, /^worker-thread-.*\.js$/, /^mnist-.*\.onnx$/]) {
    assert.ok(assets.some((name) => emitted.test(name)), `${emitted} not among the emitted assets: ${assets.join(', ')}`);
  }
  const vite = (...args) => startServer(process.execPath, [join(dir, 'node_modules', 'vite', 'bin', 'vite.js'), ...args], dir);
  const preview = await vite('preview', '--port', '0');
  try {
    await checkVitePage(preview.url);
  } finally {
    preview.stop();
  }
  const dev = await vite('--port', '0');
  try {
    await checkVitePage(dev.url);
  } finally {
    dev.stop();
  }
});

test('no bundler: the <script type="module"> page runs from plain files', { skip: noChromium }, async () => {
  const { dir } = project;
  copyFileSync(example('browser.html'), join(dir, 'browser.html'));
  const server = await serveFolder(dir);
  const browser = await launchChromium();
  try {
    const page = await browser.newPage();
    const errors = watchErrors(page);
    await page.goto(`${server.url}browser.html`);
    await page.waitForFunction(() => document.querySelector('#answer').textContent === 'Choose an image.');
    await page.setInputFiles('#image', join(dir, 'digits', 'two.jpg'));
    await page.waitForFunction(() => /%\)$/.test(document.querySelector('#answer').textContent));
    assert.match(await page.textContent('#answer'), hasShippedModels ? /^2 \(\d+\.\d%\)$/ : /^.+ \(\d+\.\d%\)$/);
    assert.equal(await page.$eval('#saliency', (canvas) => canvas.width), 28);
    assert.deepEqual(errors, []);
  } finally {
    await browser.close();
    server.close();
  }
});
