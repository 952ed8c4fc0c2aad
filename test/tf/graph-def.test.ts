// The protobuf writer and the GraphDef/SavedModel encoding: byte-exact on the wire format's own
// examples, and a SavedModel written here runs in TensorFlow (where tfjs-node loads).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { loadAllBackends, loadGraphSession } from '../../src/tf/backend.js';
import { attr, GraphBuilder } from '../../src/tf/graph/graph-def.js';
import { ProtoWriter } from '../../src/tf/graph/proto.js';
import { onTensorflow } from '../helpers/backends.js';

const bytes = (w: ProtoWriter): number[] => [...w.finish()];

test('ProtoWriter: the encoding guide\'s examples (varints, negative int64, strings, packed, nested, float)', () => {
  assert.deepEqual(bytes(new ProtoWriter().int(1, 150)), [0x08, 0x96, 0x01]);
  assert.deepEqual(bytes(new ProtoWriter().int(1, 300)), [0x08, 0xac, 0x02]);
  assert.deepEqual(bytes(new ProtoWriter().int(2, -1)), [0x10, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01]);
  assert.deepEqual(bytes(new ProtoWriter().string(2, 'testing')), [0x12, 0x07, 0x74, 0x65, 0x73, 0x74, 0x69, 0x6e, 0x67]);
  assert.deepEqual(bytes(new ProtoWriter().packedInts(4, [3, 270, 86942])), [0x22, 0x06, 0x03, 0x8e, 0x02, 0x9e, 0xa7, 0x05]);
  assert.deepEqual(bytes(new ProtoWriter().message(3, (m) => m.int(1, 150))), [0x1a, 0x03, 0x08, 0x96, 0x01]);
  assert.deepEqual(bytes(new ProtoWriter().float(1, 1.5)), [0x0d, 0x00, 0x00, 0xc0, 0x3f]);
  assert.deepEqual(bytes(new ProtoWriter().bool(5, true).packedFloats(1, [-2])), [0x28, 0x01, 0x0a, 0x04, 0x00, 0x00, 0x00, 0xc0]);
  assert.throws(() => new ProtoWriter().int(1, 2 ** 60), /not a safe integer/);
});

test('GraphBuilder refuses a name used twice and an input that names no earlier node', () => {
  const g = new GraphBuilder();
  const x = g.placeholder('x', 'float32', [-1]);
  g.op('Neg', [x.output], { T: attr.type('float32') }, 'y');
  assert.throws(() => g.op('Neg', [x.output], {}, 'y'), /node name 'y' is used twice/);
  assert.throws(() => g.op('Neg', ['nowhere:1'], {}), /input 'nowhere:1' of 'Neg_\d+' names no earlier node/);
});

test('a SavedModel written here runs in TensorFlow: two signatures over one graph, random inputs', async (t) => onTensorflow(t, async (tf) => {
  const g = new GraphBuilder();
  const f32 = { T: attr.type('float32') };
  const x = g.placeholder('x', 'float32', [-1, 3]);
  const w = g.placeholder('w', 'float32', [3, 2]);
  const b = g.constant('float32', [2], [0.25, -0.5]);
  const y = g.op('BiasAdd', [g.op('MatMul', [x.output, w.output], { ...f32, transpose_a: attr.bool(false), transpose_b: attr.bool(false) }), b], { ...f32, data_format: attr.string('NHWC') }, 'y');
  const s = g.op('Sum', [y, g.constant('int32', [2], [0, 1])], { ...f32, Tidx: attr.type('int32'), keep_dims: attr.bool(false) }, 's');
  const dir = mkdtempSync(path.join(tmpdir(), 'graph-def-test-'));
  try {
    writeFileSync(path.join(dir, 'saved_model.pb'), g.savedModel({
      serving_default: { inputs: { x, w }, outputs: { y: { output: y, dtype: 'float32', shape: [-1, 2] }, s: { output: s, dtype: 'float32', shape: [] } } },
      sum: { inputs: { x, w }, outputs: { s: { output: s, dtype: 'float32', shape: [] } } },
    }));
    const main = await loadGraphSession(dir);
    const sum = await loadGraphSession(dir, 'sum');
    const xs = tf.randomNormal([4, 3], 0, 1, 'float32', 7);
    const ws = tf.randomNormal([3, 2], 0, 1, 'float32', 8);
    const expected = tf.add(tf.matMul(xs, ws), tf.tensor1d([0.25, -0.5]));
    const out = main.predict({ x: xs, w: ws });
    assert.deepEqual(out.y!.shape, [4, 2]);
    const got = out.y!.dataSync();
    expected.dataSync().forEach((e, i) => assert.ok(Math.abs(e - got[i]!) < 1e-5, `y[${i}] = ${got[i]}, expected ${e}`));
    const total = sum.predict({ x: xs, w: ws });
    assert.ok(Math.abs(total.s!.dataSync()[0]! - Array.from(expected.dataSync()).reduce((a, v) => a + v, 0)) < 1e-4);
    tf.dispose([xs, ws, expected, ...Object.values(out), ...Object.values(total)]);
    main.dispose();
    sum.dispose();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}));

test('loadGraphSession names the backend it needs', async () => {
  const { tf, backends } = await loadAllBackends();
  const other = backends.find((b) => b !== 'tensorflow');
  if (!other) return;
  const previous = tf.getBackend();
  await tf.setBackend(other);
  try {
    await assert.rejects(loadGraphSession('/nonexistent'), new RegExp(`need the tensorflow backend \\(tfjs-node\\); the current backend is ${other}`));
  } finally {
    await tf.setBackend(previous);
  }
});
