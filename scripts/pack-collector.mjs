// Packs the collector for the browser: renames the wasm's imports and exports to short names in
// the module and in wasm-bindgen's glue, then bundles the loader with the glue into one
// minified module.
//
//   node scripts/pack-collector.mjs BINDGEN_DIR OUT_DIR
//
// BINDGEN_DIR holds wasm-bindgen's `--target bundler` output (the glue doorman_collector_bg.js
// and doorman_collector_bg.wasm, which wasm-opt optimises after this); OUT_DIR receives
// doorman.js and doorman_collector_bg.wasm. wasm-bindgen names each import after its function and a 16-digit
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
// The exports that collector/js/loader.js calls itself, which keep their names.
const LOADER_EXPORTS = ['__wbindgen_start'];

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

// The module with the section `id` replaced by `rewrite(start, end)`'s bytes, if it has one.
function rewriteSection(wasm, id, rewrite) {
  const out = [...wasm.subarray(0, 8)];
  let at = 8;
  while (at < wasm.length) {
    const [size, start] = readU32(wasm, at + 1);
    const end = start + size;
    if (wasm[at] === id) {
      const section = rewrite(start, end);
      out.push(id, ...u32(section.length), ...section);
    } else {
      out.push(...wasm.subarray(at, end));
    }
    at = end;
  }
  return Uint8Array.from(out);
}

// Renames the imports of `GLUE_MODULE`; gives the new module and the names given.
function renameImports(wasm) {
  const renamed = new Map();
  const out = rewriteSection(wasm, 2, (start, end) => {
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
    return section;
  });
  return [out, renamed];
}

// Renames the exports that the glue uses (as `wasm.NAME`) to short names, and drops those that
// neither it nor the loader uses (wasm-bindgen exports a few for features the collector has
// not), so that wasm-opt can remove what only they kept. The exports' names, like the imports',
// were written out in both files: `wasm_bindgen__convert__closures_____invoke__` and a hash.
function renameExports(wasm, glue) {
  const renamed = new Map();
  const out = rewriteSection(wasm, 7, (start, end) => {
    let [count, p] = readU32(wasm, start);
    const kept = [];
    let keptCount = 0;
    while (count--) {
      let field;
      [field, p] = readName(wasm, p);
      const description = wasm.subarray(p, readU32(wasm, p + 1)[1]);
      p += description.length;
      if (LOADER_EXPORTS.includes(field)) {
        kept.push(...name(field), ...description);
        keptCount++;
      } else if (new RegExp(`\\bwasm\\.${field}\\b`).test(glue)) {
        renamed.set(field, shortName(renamed.size));
        kept.push(...name(renamed.get(field)), ...description);
        keptCount++;
      }
    }
    if (p !== end) throw new Error('export section not read to its end');
    return [...u32(keptCount), ...kept];
  });
  for (const [from, to] of renamed) glue = glue.replace(new RegExp(`\\bwasm\\.${from}\\b`, 'g'), `wasm.${to}`);
  return [out, glue];
}

// ---- glue ----

// The glue exports the module's imports as functions. They become local functions under their
// short names, gathered in one exported object, `imports`, that collector/js/loader.js passes
// as the module `w`: a namespace import would cost a getter for each of them in the bundle.
function renameInGlue(glue, renamed) {
  for (const [from, to] of renamed) {
    const definition = new RegExp(`\\bexport function ${from}\\(`, 'g');
    const found = glue.match(definition)?.length ?? 0;
    if (found !== 1) throw new Error(`the glue defines import ${from} ${found} times`);
    glue = glue.replace(definition, `function ${to}(`);
  }
  return `${glue}\nexport const imports = { ${[...renamed.values()].join(', ')} };\n`;
}

const wasmFile = path.join(bindgenDir, 'doorman_collector_bg.wasm');
const glueFile = path.join(bindgenDir, 'doorman_collector_bg.js');
const [imported, renamed] = renameImports(fs.readFileSync(wasmFile));
const [wasm, glue] = renameExports(imported, renameInGlue(fs.readFileSync(glueFile, 'utf8'), renamed));
fs.writeFileSync(glueFile, glue);
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
