// The command line as a request: {command, options}, or a UsageError that says
// what is wrong with it. What applies to which command is checked here, so that
// a mistyped or misplaced option stops before any model is loaded.
import { parseArgs } from 'node:util';
import { ATTACKS, SALIENCY_METHODS } from '../js/index.js';
import { UsageError } from './usage.js';

const COMMANDS = {
  inspect: { needs: ['model'], takes: ['json'] },
  predict: { needs: ['model', 'image'], takes: ['card', 'top', 'json'] },
  saliency: { needs: ['model', 'image'], takes: ['card', 'target', 'method', 'out', 'json'] },
  fool: { needs: ['model', 'image'], takes: ['card', 'target', 'method', 'iterations', 'epsilon', 'out', 'json'] },
  visualize: { needs: ['model', 'target'], takes: ['card', 'iterations', 'seed', 'out', 'json'] },
};

const OPTIONS = {
  model: { type: 'string' },
  card: { type: 'string' },
  image: { type: 'string' },
  target: { type: 'string' },
  method: { type: 'string' },
  top: { type: 'string' },
  iterations: { type: 'string' },
  epsilon: { type: 'string' },
  seed: { type: 'string' },
  out: { type: 'string' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
  version: { type: 'boolean' },
};

function integer(value, name, min) {
  const n = Number(value);
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(n) || n < min) {
    throw new UsageError(`--${name} must be an integer of at least ${min}, got "${value}"`);
  }
  return n;
}

function positiveNumber(value, name) {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || n <= 0) throw new UsageError(`--${name} must be a positive number, got "${value}"`);
  return n;
}

/** {command, options}, {help: true} or {version: true}; throws UsageError. */
export function parseCommandLine(argv) {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options: OPTIONS, allowPositionals: true, strict: true });
  } catch (err) {
    throw new UsageError(err.message.replace(/\. To specify a positional argument.*$/s, ''));
  }
  const { values, positionals } = parsed;
  if (values.help) return { help: true };
  if (values.version) return { version: true };
  const [command, ...extra] = positionals;
  if (!command) throw new UsageError('no command given');
  const rules = COMMANDS[command];
  if (!rules) throw new UsageError(`unknown command "${command}" (commands: ${Object.keys(COMMANDS).join(', ')})`);
  if (extra.length) throw new UsageError(`unexpected argument "${extra[0]}": options take the form --name value`);
  for (const name of rules.needs) {
    if (values[name] === undefined) throw new UsageError(`${command} needs --${name}`);
  }
  for (const name of Object.keys(values)) {
    if (!rules.needs.includes(name) && !rules.takes.includes(name)) throw new UsageError(`--${name} does not apply to ${command}`);
  }
  const methods = command === 'fool' ? ATTACKS : SALIENCY_METHODS;
  if (values.method !== undefined && !methods.includes(values.method)) {
    throw new UsageError(`unknown ${command} method "${values.method}" (methods: ${methods.join(', ')})`);
  }
  const method = values.method ?? methods[0];
  if (command === 'fool' && method === 'cs231n' && values.target === undefined) {
    throw new UsageError('fool with the cs231n method needs --target (the class to push the image into)');
  }
  if (command === 'fool' && values.iterations !== undefined && method !== 'cs231n') {
    throw new UsageError(`--iterations applies to the cs231n method, not ${method}`);
  }
  if (command === 'fool' && values.epsilon !== undefined && method === 'cs231n') {
    throw new UsageError('--epsilon applies to the fgsm and pgd methods, not cs231n');
  }
  return {
    command,
    options: {
      ...values,
      method,
      top: values.top === undefined ? 5 : integer(values.top, 'top', 1),
      iterations: values.iterations === undefined ? undefined : integer(values.iterations, 'iterations', 1),
      epsilon: values.epsilon === undefined ? undefined : positiveNumber(values.epsilon, 'epsilon'),
      seed: values.seed === undefined ? 0 : integer(values.seed, 'seed', 0),
      out: values.out ?? '.',
    },
  };
}
