// Packs the collector for the browser: renames the wasm's imports to short names in the module
// and in wasm-bindgen's glue, then bundles the loader with the glue into one minified module.
//
//   node scripts/pack-collector.mjs BINDGEN_DIR OUT_DIR
//
// BINDGEN_DIR holds wasm-bindgen's `--target web` output (doorman_collector.js and
// doorman_collector_bg.wasm, already through wasm-opt); OUT_DIR receives doorman.js and
// doorman_collector_bg.wasm. wasm-bindgen names each import after its function and a 16-digit
// hash, and a minifier cannot shorten them: they are the keys of the object the module is
// instantiated with. Written out twice, in the module and in the glue, they were a tenth of
// the gzipped download.
import fs from 'node:fs';
import path from 'node:path';
import { buildSync } from 'esbuild';

const [bindgenDir, outDir] = process.argv.slice(2);
if (!bindgenDir || !outDir) {
  console.error('usage: node scripts/pack-collector.mjs BINDGEN_DIR OUT_DIR');
  process.exit(2);
}
const GLUE_MODULE = './doorman_collector_bg.js';
const SHORT_MODULE = 'w';

// ---- wasm binary: LEB128 and names ----

function readU32(bytes, at) {
  let value = 0;
  let shift = 0;
  for (;;) {
    const byte = bytes[at++];
    value |= (byte & 0x7f) << shift;
    if (!(byte & 0x80)) return [value >>> 0, at];
    shift += 7;
  }
}

function u32(value) {
  const out = [];
  do {
    let byte = value & 0x7f;
    value >>>= 7;
    if (value) byte |= 0x80;
    out.push(byte);
  } while (value);
  return out;
}

function readName(bytes, at) {
  const [length, start] = readU32(bytes, at);
  return [Buffer.from(bytes.subarray(start, start + length)).toString('utf8'), start + length];
}

const name = (text) => [...u32(Buffer.byteLength(text)), ...Buffer.from(text)];

// The end of an import's description (after its kind byte), whose bytes are copied as they are.
function skipImportDescription(bytes, kind, at) {
  const skipLimits = (at) => {
    const flags = bytes[at++];
    [, at] = readU32(bytes, at);
    if (flags & 1) [, at] = readU32(bytes, at);
    return at;
  };
  switch (kind) {
    case 0: return readU32(bytes, at)[1]; // function: type index
    case 1: return skipLimits(at + 1); // table: element type, limits
    case 2: return skipLimits(at); // memory: limits
    case 3: return at + 2; // global: value type, mutability
    case 4: return readU32(bytes, at + 1)[1]; // tag: attribute, type index
    default: throw new Error(`unknown import kind ${kind}`);
  }
}

// Short JavaScript identifiers: a … z, A … Z, then two letters and more.
function shortName(index) {
  const letters = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ';
  let out = '';
  do {
    out = letters[index % letters.length] + out;
    index = Math.floor(index / letters.length) - 1;
  } while (index >= 0);
  return out;
}

// Renames the imports of `GLUE_MODULE`; gives the new module and the names given.
function renameImports(wasm) {
  const renamed = new Map();
  const out = [...wasm.subarray(0, 8)];
  let at = 8;
  while (at < wasm.length) {
    const id = wasm[at];
    const [size, start] = readU32(wasm, at + 1);
    const end = start + size;
    if (id !== 2) {
      out.push(...wasm.subarray(at, end));
      at = end;
      continue;
    }
    let [count, p] = readU32(wasm, start);
    const section = u32(count);
    while (count--) {
      let module, field;
      [module, p] = readName(wasm, p);
      [field, p] = readName(wasm, p);
      const kind = wasm[p];
      const described = skipImportDescription(wasm, kind, p + 1);
      if (module === GLUE_MODULE) {
        if (!renamed.has(field)) renamed.set(field, shortName(renamed.size));
        section.push(...name(SHORT_MODULE), ...name(renamed.get(field)));
      } else {
        section.push(...name(module), ...name(field));
      }
      section.push(...wasm.subarray(p, described));
      p = described;
    }
    if (p !== end) throw new Error('import section not read to its end');
    out.push(2, ...u32(section.length), ...section);
    at = end;
  }
  return [Uint8Array.from(out), renamed];
}

// ---- glue ----

function renameInGlue(glue, renamed) {
  const moduleKey = JSON.stringify(GLUE_MODULE);
  if (!glue.includes(`${moduleKey}: import0`)) throw new Error(`the glue does not name ${GLUE_MODULE}`);
  glue = glue.replace(`${moduleKey}: import0`, `${SHORT_MODULE}: import0`);
  for (const [from, to] of renamed) {
    const key = new RegExp(`\\b${from}(?=: function)`, 'g');
    const found = glue.match(key)?.length ?? 0;
    if (found !== 1) throw new Error(`the glue defines import ${from} ${found} times`);
    glue = glue.replace(key, to);
  }
  return glue;
}

const wasmFile = path.join(bindgenDir, 'doorman_collector_bg.wasm');
const glueFile = path.join(bindgenDir, 'doorman_collector.js');
const [wasm, renamed] = renameImports(fs.readFileSync(wasmFile));
fs.writeFileSync(glueFile, renameInGlue(fs.readFileSync(glueFile, 'utf8'), renamed));
fs.mkdirSync(outDir, { recursive: true });
fs.writeFileSync(path.join(outDir, 'doorman_collector_bg.wasm'), wasm);

// The loader beside the glue it imports, bundled into one module.
const loader = path.join(bindgenDir, 'loader.js');
fs.copyFileSync(new URL('../collector/js/loader.js', import.meta.url), loader);
buildSync({
  entryPoints: [loader],
  outfile: path.join(outDir, 'doorman.js'),
  bundle: true,
  format: 'esm',
  minify: true,
  target: 'es2020',
  legalComments: 'none',
  logLevel: 'warning',
});
