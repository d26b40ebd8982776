// Property access for the collector's wasm (collector/src/browser/js.rs). Done here, each is
// one import call with the name passed as bytes; through js-sys's `Reflect` bindings it was a
// JS string made for the name, the call, and its exception written back to the wasm's memory,
// all of it repeated at each of the collector's few hundred property reads.
// A path is property names joined by dots: "navigator.userAgentData.brands" is read in one
// call, without a value in the wasm for each step.
// Every function gives `undefined` where a `Reflect` call would throw.

function walk(target, path) {
  for (const name of path.split('.')) target = Reflect.get(target, name);
  return target;
}

export function get(target, path) {
  try {
    return walk(target, path);
  } catch {}
}

// `get`, but only a number: the wasm takes it as it is, with no JS value of its own.
export function getNumber(target, path) {
  const value = get(target, path);
  if (typeof value == 'number') return value;
}

export function getGlobal(path) {
  return get(globalThis, path);
}

// Leaves out `undefined` and `null`, so that the payload has no empty fields.
export function set(target, name, value) {
  if (value != null) {
    try {
      Reflect.set(target, name, value);
    } catch {}
  }
}

// `target.path(...args)`, or `undefined` when that is not a function.
export function call(target, path, ...args) {
  try {
    const dot = path.lastIndexOf('.');
    if (dot >= 0) {
      target = walk(target, path.slice(0, dot));
      path = path.slice(dot + 1);
    }
    const f = Reflect.get(target, path);
    if (typeof f == 'function') return Reflect.apply(f, target, args);
  } catch {}
}

export function callGlobal(path, ...args) {
  return call(globalThis, path, ...args);
}

// `new globalThis.path(...args)`, or `undefined` when that is not a function.
export function construct(path, ...args) {
  try {
    const f = walk(globalThis, path);
    if (typeof f == 'function') return Reflect.construct(f, args);
  } catch {}
}
