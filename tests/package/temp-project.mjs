// A fresh npm project in a temporary folder, with gradlens installed from the
// tarball `npm pack` makes of this repository, as a user would install it.
//
// Until the trained models land in models/, the installed package gets stand-ins
// in its models/ folder (the LeNet fixture and 100 MNIST test digits), so that
// code naming the shipped MNIST model runs.
import { execFile, spawn } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { standInSamples } from '../browser/harness.mjs';

export const REPO = fileURLToPath(new URL('../../', import.meta.url));
export const hasShippedModels = existsSync(join(REPO, 'models', 'mnist.onnx'));
const NPM_FLAGS = ['--no-audit', '--no-fund', '--loglevel=error'];

const exec = promisify(execFile);

/** Runs a command (npm, npx, node, bash) in `cwd`; resolves {stdout, stderr}, rejects with both. */
export async function run(command, args, cwd, options = {}) {
  try {
    return await exec(command, args, { cwd, encoding: 'utf8', maxBuffer: 64 << 20, ...options });
  } catch (err) {
    throw new Error(`${command} ${args.join(' ')} failed (${err.code}):\n${err.stdout}\n${err.stderr}`);
  }
}

/** Starts a server command (itself, not through npx: stop() must reach it) and resolves {url, stop()} once it prints its http:// URL. */
export function startServer(command, args, cwd) {
  const child = spawn(command, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  return new Promise((resolve, reject) => {
    const onData = (chunk) => {
      output += chunk;
      const match = output.replace(/\x1b\[[0-9;]*m/g, '').match(/http:\/\/(localhost|127\.0\.0\.1):\d+\//);
      if (match) resolve({ url: match[0], stop: () => child.kill() });
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.on('exit', (code) => reject(new Error(`${command} ${args.join(' ')} exited (${code}):\n${output}`)));
  });
}

function provideStandInModels(packageDir) {
  const models = join(packageDir, 'models');
  mkdirSync(join(models, 'samples'), { recursive: true });
  copyFileSync(join(REPO, 'tests', 'fixtures', 'lenet.onnx'), join(models, 'mnist.onnx'));
  copyFileSync(join(REPO, 'tests', 'fixtures', 'lenet.json'), join(models, 'mnist.json'));
  const samples = standInSamples();
  writeFileSync(join(models, 'samples', 'mnist.u8'), samples.pixels);
  writeFileSync(join(models, 'samples', 'mnist.json'), samples.meta);
}

/**
 * Packs the repository and installs the tarball, with `tools` from the registry,
 * into a new project. Returns {dir, pack (npm pack's report: filename, size,
 * unpackedSize, files), close()}.
 */
export async function createProject(tools) {
  const dir = mkdtempSync(join(tmpdir(), 'gradlens-package-'));
  try {
    const { stdout } = await run('npm', ['pack', '--json', '--pack-destination', dir, ...NPM_FLAGS], REPO);
    const [pack] = JSON.parse(stdout);
    const project = join(dir, 'project');
    mkdirSync(project);
    writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'uses-gradlens', private: true, type: 'module' }));
    await run('npm', ['install', join(dir, pack.filename), ...tools, ...NPM_FLAGS], project);
    if (!hasShippedModels) provideStandInModels(join(project, 'node_modules', 'gradlens'));
    return { dir: project, pack, close: () => rmSync(dir, { recursive: true, force: true }) };
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
}
