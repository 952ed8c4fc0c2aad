import { test } from 'node:test';
import assert from 'node:assert/strict';
import { architectureTable, buildAutoencoder, resolveArchitecture } from '../../src/models/index.js';
import { initBackend } from '../../src/tf/backend.js';

const REPORT_TABLE: [string, string, number[], number][] = [
  ['conv2d', 'Conv2D', [28, 28, 16], 160],
  ['max_pooling2d', 'MaxPooling2D', [14, 14, 16], 0],
  ['conv2d_1', 'Conv2D', [14, 14, 8], 1160],
  ['max_pooling2d_1', 'MaxPooling2D', [7, 7, 8], 0],
  ['conv2d_2', 'Conv2D', [4, 4, 8], 584],
  ['flatten', 'Flatten', [128], 0],
  ['reshape', 'Reshape', [4, 4, 8], 0],
  ['conv2d_3', 'Conv2D', [4, 4, 8], 584],
  ['up_sampling2d', 'UpSampling2D', [8, 8, 8], 0],
  ['conv2d_4', 'Conv2D', [8, 8, 8], 584],
  ['up_sampling2d_1', 'UpSampling2D', [16, 16, 8], 0],
  ['conv2d_5', 'Conv2D', [14, 14, 16], 1168],
  ['up_sampling2d_2', 'UpSampling2D', [28, 28, 16], 0],
  ['conv2d_6', 'Conv2D', [28, 28, 1], 145],
];

test('the default architecture is the report\'s: Keras names, output shapes, 4,385 parameters', async () => {
  const m = await buildAutoencoder({ seed: 0 });
  try {
    const table = architectureTable(m.autoencoder);
    assert.deepEqual(table.map((r) => [r.name, r.className, r.outputShape, r.params]), REPORT_TABLE);
    assert.equal(m.autoencoder.countParams(), 4385);
    const trainable = m.autoencoder.trainableWeights.reduce((a, w) => a + w.shape.reduce((x, y) => x! * y!, 1)!, 0);
    assert.equal(trainable, 4385);
    assert.equal(m.codeSize, 128);
    assert.deepEqual(m.encoder.outputs[0]!.shape, [null, 128]);
    assert.deepEqual(m.decoder.inputs[0]!.shape, [null, 128]);
    assert.deepEqual(m.decoder.outputs[0]!.shape, [null, 28, 28, 1]);
    // padding and strides as in the report
    const cfg = (name: string) => m.autoencoder.getLayer(name).getConfig() as { padding?: string; strides?: number[]; activation?: string };
    assert.equal(cfg('conv2d_2').strides![0], 2);
    assert.equal(cfg('conv2d_5').padding, 'valid');
    assert.equal(cfg('conv2d_6').activation, 'sigmoid');
    for (const n of ['conv2d', 'conv2d_1', 'conv2d_2', 'conv2d_3', 'conv2d_4']) assert.equal(cfg(n).padding, 'same');
  } finally {
    for (const w of m.autoencoder.weights) w.dispose();
  }
});

test('encoder and decoder share the autoencoder\'s weights: decode(encode(x)) = autoencoder(x)', async () => {
  const { tf } = await initBackend();
  const m = await buildAutoencoder({ seed: 3 });
  try {
    const x = tf.randomUniform([3, 28, 28, 1], 0, 1, 'float32', 5);
    const [full, twoStep] = tf.tidy(() => [m.autoencoder.predict(x) as import('@tensorflow/tfjs').Tensor,
      m.decoder.predict(m.encoder.predict(x) as import('@tensorflow/tfjs').Tensor) as import('@tensorflow/tfjs').Tensor]);
    assert.deepEqual(Array.from(full!.dataSync()), Array.from(twoStep!.dataSync()));
    tf.dispose([x, full!, twoStep!]);
  } finally {
    for (const w of m.autoencoder.weights) w.dispose();
  }
});

test('seeded initialisation: same seed gives the same weights, another seed other weights; biases start at zero', async () => {
  const a = await buildAutoencoder({ seed: 11 });
  const b = await buildAutoencoder({ seed: 11 });
  const c = await buildAutoencoder({ seed: 12 });
  try {
    const wa = a.autoencoder.getWeights().map((t) => Array.from(t.dataSync()));
    const wb = b.autoencoder.getWeights().map((t) => Array.from(t.dataSync()));
    const wc = c.autoencoder.getWeights().map((t) => Array.from(t.dataSync()));
    assert.deepEqual(wa, wb);
    assert.notDeepEqual(wa[0], wc[0]);
    // Glorot uniform limit for conv2d: sqrt(6 / (fanIn + fanOut)) = sqrt(6 / (9 + 144))
    const limit = Math.sqrt(6 / (9 * 1 + 9 * 16));
    assert.ok(wa[0]!.every((v) => Math.abs(v) <= limit) && wa[0]!.some((v) => Math.abs(v) > limit / 2));
    assert.ok(wa[1]!.every((v) => v === 0));
    // different layers get different seeds
    assert.notDeepEqual(wa[4]!.slice(0, 20), wa[6]!.slice(0, 20));
  } finally {
    for (const m of [a, b, c]) for (const w of m.autoencoder.weights) w.dispose();
  }
});

test('other code sizes and depths', async () => {
  const shallow = await buildAutoencoder({ encoderFilters: [16], codeChannels: 4 });
  const deep = await buildAutoencoder({ encoderFilters: [32, 16, 8], codeChannels: 8 });
  try {
    assert.equal(shallow.codeSize, 7 * 7 * 4);
    assert.deepEqual(shallow.decoder.outputs[0]!.shape, [null, 28, 28, 1]);
    assert.equal(deep.codeSize, 2 * 2 * 8);
    assert.deepEqual(deep.autoencoder.outputs[0]!.shape, [null, 28, 28, 1]);
    assert.deepEqual(resolveArchitecture({ encoderFilters: [32, 16] }).decoderFilters, [8, 16, 32]);
  } finally {
    for (const m of [shallow, deep]) for (const w of m.autoencoder.weights) w.dispose();
  }
});

test('invalid architecture options are rejected with the option name', () => {
  assert.throws(() => resolveArchitecture({ codeChannels: 0 }), /codeChannels must be an integer >= 1, got 0/);
  assert.throws(() => resolveArchitecture({ decoderFilters: [8, 8] }), /decoderFilters must have encoderFilters.length \+ 1 = 3 entries/);
  assert.throws(() => resolveArchitecture({ encoderFilters: [16, 1.5] }), /encoderFilters\[1\]/);
  assert.throws(() => resolveArchitecture({ inputShape: [30, 30, 1] }), /reaches .* not the input size 30×30/);
});
