// Argument checks shared by the Model methods: each throws a TypeError or
// RangeError that names the argument and what was wrong with it.

/** x must be {data: Float32Array, shape: [N, C, H, W]}; returns the shape. */
export function checkImages(x, name = 'x') {
  if (!x || typeof x !== 'object' || !(x.data instanceof Float32Array)) {
    throw new TypeError(`${name} must be a tensor {data: Float32Array, shape: [N, C, H, W]}`);
  }
  const { shape } = x;
  if (!Array.isArray(shape) || shape.length !== 4 || !shape.every((d) => Number.isInteger(d) && d >= 0)) {
    throw new TypeError(`${name}.shape must be [N, C, H, W] of non-negative integers, got ${JSON.stringify(shape)}`);
  }
  const n = shape.reduce((a, b) => a * b, 1);
  if (x.data.length !== n) throw new RangeError(`${name}.data has ${x.data.length} values but shape ${JSON.stringify(shape)} needs ${n}`);
  return shape;
}

export function checkTarget(t, name = 'a target') {
  if (!Number.isInteger(t)) throw new TypeError(`${name} must be an integer class id, got ${String(t)}`);
  if (t < -2147483648 || t > 2147483647) throw new RangeError(`${name} ${t} is out of range`);
  return t;
}

/** One class id for all n images, or one per image, as an Int32Array. */
export function targetList(target, n, name = 'target') {
  const list = Array.isArray(target) || ArrayBuffer.isView(target) ? Array.from(target) : [target];
  const check = (t) => checkTarget(t, `a ${name}`);
  if (list.length === 1 && n > 1) return new Int32Array(n).fill(check(list[0]));
  if (list.length !== n) throw new RangeError(`${list.length} ${name}s for ${n} images: give one per image`);
  return Int32Array.from(list, check);
}

/** A count for the engine (an int32 there: larger values would wrap around). */
export function nonNegativeInt(value, name, fallback) {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value < 0) throw new RangeError(`${name} must be a non-negative integer, got ${value}`);
  if (value > 2147483647) throw new RangeError(`${name} ${value} is out of range (at most 2147483647)`);
  return value;
}

/** A finite number, or `fallback` when undefined (NaN asks the engine for its default). */
export function finiteNumber(value, name, fallback = NaN) {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value)) throw new RangeError(`${name} must be a finite number, got ${value}`);
  return value;
}

export function oneOf(value, name, allowed) {
  if (!allowed.includes(value)) {
    throw new RangeError(`unknown ${name} ${JSON.stringify(value)} (available: ${allowed.join(', ')})`);
  }
  return value;
}

/** A seed as the two 32-bit halves the engine takes. */
export function seedHalves(seed) {
  if (!Number.isSafeInteger(seed) || seed < 0) throw new RangeError(`seed must be a non-negative integer, got ${seed}`);
  return [Number(BigInt(seed) & 0xffffffffn), Number(BigInt(seed) >> 32n)];
}
