#!/usr/bin/env node
// ONNX Runtime (onnxruntime-node, CPU execution provider) throughput on one
// input batch: the baseline bench/ prints beside ohm-sim.
//
//   node bench/ort/ort-bench.mjs MODEL.onnx INPUT.npy [--threads N] [--repeat R]
//        [--warmup W] [--output OUT.npy [--output-name NAME]]
//
// The session runs with intraOpNumThreads=N (default 1), interOpNumThreads=1,
// sequential execution and graphOptimizationLevel 'all' (ORT fuses the QDQ
// groups into its integer kernels: QLinearConv, QGemm, QLinearAdd, ...).
// The whole batch is one run: W warm-up runs (default 1), then R timed runs
// (default 5), each timed around session.run alone (no file I/O, no session
// creation). Session creation (loading, optimizing and initializing the
// model) is timed on its own as create_s. If the model's input has a fixed
// batch dimension of 1 and the .npy has N > 1 rows, every timed repetition
// runs the rows one by one (mode=per-image) and counts as one repetition of
// the batch. Prints one line
//
//   ort: model=PATH batch=N threads=T mode=batch|per-image warmup=W repeat=R
//        create_s=S best_s=S median_s=S inferences_per_s=N/median ort=VERSION
//
// --output writes the model's first output (of the last timed run) as .npy;
// --output-name picks another output by name (the session runs that one).
// Inputs: .npy versions 1-3, C order, float32, uint8 or int8. The model must
// have exactly one input.
import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

// ---------------------------------------------------------------------------
// .npy reader and writer (after the project's draft run-ort.mjs)

const NPY_TYPES = {
  i1: { ort: 'int8', array: Int8Array, size: 1 },
  u1: { ort: 'uint8', array: Uint8Array, size: 1 },
  f4: { ort: 'float32', array: Float32Array, size: 4 },
};
// Also writable (for --output): the other types a first output may have.
const OUT_TYPES = {
  ...NPY_TYPES,
  i4: { ort: 'int32', array: Int32Array, size: 4 },
  i8: { ort: 'int64', array: BigInt64Array, size: 8 },
  f8: { ort: 'float64', array: Float64Array, size: 8 },
  b1: { ort: 'bool', array: Uint8Array, size: 1 },
};
const ORT_TO_NPY = Object.fromEntries(Object.entries(OUT_TYPES).map(([k, v]) => [v.ort, k]));
const MAGIC = Buffer.from([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]); // \x93NUMPY

function fail(message) {
  throw new Error(message);
}

/** Parses a .npy file: {type (ORT name), shape, data (typed array)}. */
function readNpy(file) {
  const bytes = readFileSync(file);
  if (bytes.length < 10 || !bytes.subarray(0, 6).equals(MAGIC)) fail(`${file}: not a .npy file (bad magic)`);
  const major = bytes[6];
  let headerLen;
  let start;
  if (major === 1) {
    headerLen = bytes.readUInt16LE(8);
    start = 10;
  } else if (major === 2 || major === 3) {
    if (bytes.length < 12) fail(`${file}: truncated header`);
    headerLen = bytes.readUInt32LE(8);
    start = 12;
  } else {
    fail(`${file}: unsupported .npy format version ${major}.${bytes[7]}`);
  }
  if (start + headerLen > bytes.length) fail(`${file}: truncated header`);
  const header = bytes.subarray(start, start + headerLen).toString(major === 3 ? 'utf8' : 'latin1');
  const descr = /['"]descr['"]\s*:\s*['"]([^'"]*)['"]/.exec(header);
  const order = /['"]fortran_order['"]\s*:\s*(True|False)/.exec(header);
  const shapeMatch = /['"]shape['"]\s*:\s*\(([^)]*)\)/.exec(header);
  if (!descr || !order || !shapeMatch) fail(`${file}: cannot parse the header ${JSON.stringify(header)}`);
  const typeMatch = /^([<>|=]?)([a-z]\d+)$/.exec(descr[1]);
  const info = typeMatch && NPY_TYPES[typeMatch[2]];
  if (!info) fail(`${file}: unsupported dtype '${descr[1]}' (float32, uint8 or int8)`);
  if (typeMatch[1] === '>' && info.size > 1) fail(`${file}: big-endian data ('${descr[1]}') is not supported`);
  const shape = shapeMatch[1].split(',').map((s) => s.trim()).filter((s) => s !== '').map((s) => {
    if (!/^\d+L?$/.test(s)) fail(`${file}: bad shape '(${shapeMatch[1]})'`);
    return Number.parseInt(s, 10);
  });
  if (order[1] === 'True' && shape.filter((d) => d > 1).length > 1) fail(`${file}: Fortran-order arrays are not supported`);
  const count = shape.reduce((a, b) => a * b, 1);
  const dataStart = start + headerLen;
  const byteLength = count * info.size;
  if (bytes.length - dataStart < byteLength) {
    fail(`${file}: ${bytes.length - dataStart} data bytes, shape (${shape}) needs ${byteLength}`);
  }
  // Copy into a fresh, aligned buffer (the data may start at any offset).
  const copy = new ArrayBuffer(byteLength);
  new Uint8Array(copy).set(bytes.subarray(dataStart, dataStart + byteLength));
  return { type: info.ort, shape, data: new info.array(copy) };
}

/** Writes a .npy version 1 file (version 2 for headers over 64 KiB), header padded to 64 bytes. */
function writeNpy(file, type, shape, data) {
  const key = ORT_TO_NPY[type];
  if (!key) fail(`cannot write tensors of type '${type}' as .npy`);
  const info = OUT_TYPES[key];
  const descr = (info.size === 1 ? '|' : '<') + key;
  const dims = shape.map((d) => String(Number(d)));
  const shapeText = dims.length === 1 ? `(${dims[0]},)` : `(${dims.join(', ')})`;
  let header = `{'descr': '${descr}', 'fortran_order': False, 'shape': ${shapeText}, }`;
  const major = header.length + 11 > 0xffff ? 2 : 1;
  const prefix = major === 1 ? 10 : 12;
  const total = Math.ceil((prefix + header.length + 1) / 64) * 64;
  header = header + ' '.repeat(total - prefix - header.length - 1) + '\n';
  const head = Buffer.alloc(prefix);
  MAGIC.copy(head, 0);
  head[6] = major;
  if (major === 1) head.writeUInt16LE(header.length, 8);
  else head.writeUInt32LE(header.length, 8);
  const count = shape.reduce((a, b) => a * Number(b), 1);
  if (data.length !== count) fail(`${count} elements expected for shape (${shape}), got ${data.length}`);
  const body = Buffer.from(data.buffer, data.byteOffset, count * info.size);
  writeFileSync(file, Buffer.concat([head, Buffer.from(header, 'latin1'), body]));
}

// ---------------------------------------------------------------------------
// The declared shape of a graph input, read from the ONNX protobuf (this ORT
// version's session does not expose input metadata): ModelProto.graph (7) ->
// GraphProto.input (11) -> ValueInfoProto{name (1), type (2)} -> TypeProto.
// tensor_type (1) -> shape (2) -> dim (1) -> {dim_value (1), dim_param (2)}.
// Returns an array of numbers (dim_value) and strings (dim_param, or '?'),
// or null if the input or its shape is not found.

function* fields(buf, start = 0, end = buf.length) {
  let pos = start;
  const varint = () => {
    let value = 0n;
    let shift = 0n;
    for (;;) {
      if (pos >= end) fail('truncated ONNX protobuf');
      const b = buf[pos++];
      value |= BigInt(b & 0x7f) << shift;
      if (!(b & 0x80)) return value;
      shift += 7n;
    }
  };
  while (pos < end) {
    const key = Number(varint());
    const field = key >>> 3;
    const wire = key & 7;
    if (wire === 0) {
      yield { field, value: varint() };
    } else if (wire === 1 || wire === 5) {
      pos += wire === 1 ? 8 : 4;
    } else if (wire === 2) {
      const len = Number(varint());
      yield { field, start: pos, end: pos + len };
      pos += len;
    } else {
      fail(`unsupported protobuf wire type ${wire}`);
    }
  }
}

function sub(buf, f, number) {
  return [...fields(buf, f.start, f.end)].filter((g) => g.field === number && g.start !== undefined);
}

function declaredInputShape(modelPath, inputName) {
  const buf = readFileSync(modelPath);
  for (const graph of [...fields(buf)].filter((f) => f.field === 7 && f.start !== undefined)) {
    for (const vi of sub(buf, graph, 11)) {
      const name = sub(buf, vi, 1)[0];
      if (!name || buf.toString('utf8', name.start, name.end) !== inputName) continue;
      const tensor = sub(buf, vi, 2).flatMap((t) => sub(buf, t, 1))[0];
      const shape = tensor && sub(buf, tensor, 2)[0];
      if (!shape) return null;
      return sub(buf, shape, 1).map((dim) => {
        for (const d of fields(buf, dim.start, dim.end)) {
          if (d.field === 1 && d.value !== undefined) return Number(d.value);
          if (d.field === 2 && d.start !== undefined) return buf.toString('utf8', d.start, d.end);
        }
        return '?';
      });
    }
  }
  return null;
}

// ---------------------------------------------------------------------------

const USAGE = 'usage: ort-bench.mjs MODEL.onnx INPUT.npy [--threads N] [--repeat R] [--warmup W] [--output OUT.npy [--output-name NAME]]';

function parseArgs(argv) {
  const opts = { threads: 1, repeat: 5, warmup: 1, output: null, outputName: null, positional: [] };
  for (let i = 0; i < argv.length; i++) {
    let arg = argv[i];
    let inline = null;
    const eq = arg.indexOf('=');
    if (arg.startsWith('--') && eq > 0) {
      inline = arg.slice(eq + 1);
      arg = arg.slice(0, eq);
    }
    const take = () => {
      if (inline !== null) return inline;
      if (i + 1 >= argv.length) fail(`${arg} needs a value\n${USAGE}`);
      return argv[++i];
    };
    const count = (min) => {
      const text = take();
      const v = Number(text);
      if (!/^\d+$/.test(text) || v < min) fail(`${arg} needs an integer >= ${min}, got '${text}'`);
      return v;
    };
    if (arg === '--threads') opts.threads = count(1);
    else if (arg === '--repeat') opts.repeat = count(1);
    else if (arg === '--warmup') opts.warmup = count(0);
    else if (arg === '--output') opts.output = take();
    else if (arg === '--output-name') opts.outputName = take();
    else if (arg === '--help' || arg === '-h') opts.help = true;
    else if (arg.startsWith('-')) fail(`unknown option '${arg}'\n${USAGE}`);
    else opts.positional.push(arg);
  }
  if (!opts.help && opts.positional.length !== 2) fail(USAGE);
  [opts.model, opts.input] = opts.positional;
  return opts;
}

function loadOrt() {
  const require = createRequire(import.meta.url);
  try {
    return { ort: require('onnxruntime-node'), version: require('onnxruntime-node/package.json').version };
  } catch (e) {
    const dir = path.dirname(new URL(import.meta.url).pathname);
    fail(`cannot load onnxruntime-node (${e.message.split('\n')[0]}); run scripts/install-deps.sh, or ` +
         `'ONNXRUNTIME_NODE_INSTALL=skip ONNXRUNTIME_NODE_INSTALL_CUDA=skip npm ci' in ${dir}`);
  }
  return null;
}

async function main(argv) {
  const opts = parseArgs(argv);
  if (opts.help) {
    console.log(USAGE);
    return 0;
  }
  const { ort, version } = loadOrt();
  const x = readNpy(opts.input);
  if (x.shape.length < 1) fail(`${opts.input}: a batch needs at least one dimension`);
  const batch = x.shape[0];

  const createStart = process.hrtime.bigint();
  const session = await ort.InferenceSession.create(opts.model, {
    executionProviders: ['cpu'],
    intraOpNumThreads: opts.threads,
    interOpNumThreads: 1,
    executionMode: 'sequential',
    graphOptimizationLevel: 'all',
    logSeverityLevel: 3,
  });
  const createSeconds = Number(process.hrtime.bigint() - createStart) / 1e9;
  if (session.inputNames.length !== 1) {
    fail(`${opts.model}: ${session.inputNames.length} inputs (${session.inputNames.join(', ')}); one expected`);
  }
  const inputName = session.inputNames[0];
  const outputName = opts.outputName ?? session.outputNames[0];
  if (!session.outputNames.includes(outputName)) {
    fail(`${opts.model}: no output '${outputName}' (outputs: ${session.outputNames.join(', ')})`);
  }
  const declared = declaredInputShape(opts.model, inputName);
  const perImage = batch > 1 && declared !== null && declared[0] === 1;

  // The feeds of one repetition: the whole batch, or one [1, ...] tensor per row.
  let feeds;
  if (perImage) {
    const rowSize = x.data.length / batch;
    feeds = Array.from({ length: batch }, (_, r) => ({
      [inputName]: new ort.Tensor(x.type, x.data.subarray(r * rowSize, (r + 1) * rowSize), [1, ...x.shape.slice(1)]),
    }));
  } else {
    feeds = [{ [inputName]: new ort.Tensor(x.type, x.data, x.shape) }];
  }

  let last = null;
  const once = async () => {
    const outs = [];
    const t0 = process.hrtime.bigint();
    for (const f of feeds) outs.push((await session.run(f))[outputName]);
    const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
    last = outs;
    return seconds;
  };
  for (let i = 0; i < opts.warmup; i++) await once();
  const times = [];
  for (let i = 0; i < opts.repeat; i++) times.push(await once());

  times.sort((a, b) => a - b);
  const mid = times.length >> 1;
  const median = times.length % 2 ? times[mid] : (times[mid - 1] + times[mid]) / 2;
  const fmt = (s) => s.toPrecision(4);
  console.log(`ort: model=${opts.model} batch=${batch} threads=${opts.threads} ` +
              `mode=${perImage ? 'per-image' : 'batch'} warmup=${opts.warmup} repeat=${opts.repeat} ` +
              `create_s=${fmt(createSeconds)} best_s=${fmt(times[0])} median_s=${fmt(median)} ` +
              `inferences_per_s=${(batch / median).toFixed(1)} ort=${version}`);

  if (opts.output) {
    const first = last[0];
    const rows = last.length;
    const shape = rows === 1 ? first.dims : [rows * Number(first.dims[0]), ...first.dims.slice(1)];
    let data = first.data;
    if (rows > 1) {
      data = new first.data.constructor(first.data.length * rows);
      last.forEach((t, r) => data.set(t.data, r * first.data.length));
    }
    writeNpy(opts.output, first.type, shape, data);
  }
  await session.release();
  return 0;
}

main(process.argv.slice(2)).then((code) => { process.exitCode = code; }, (e) => {
  console.error(`ort-bench.mjs: error: ${e.message ?? e}`);
  process.exitCode = 1;
});
