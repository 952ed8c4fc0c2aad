import type { LayersModel, SymbolicTensor } from '@tensorflow/tfjs';
import type { TF } from '../tf/backend.js';
import { createRandom } from '../util/random.js';
import { checkInteger } from '../util/validate.js';

/**
 * The shape of N2D's dense autoencoder (McConville et al.; the DEC/IDEC family's
 * d-500-500-2000-10): ReLU hidden layers, a linear code layer, the decoder mirrored with a linear
 * output. Layer names follow N2D's Keras code: `encoder_0` … `encoder_{h}` (the code), then
 * `decoder_{h}` … `decoder_0` (the output).
 *
 * | layer | output | params (defaults, d = 784) |
 * |---|---|---|
 * | encoder_0 (dense, relu) | 500 | 392,500 |
 * | encoder_1 (dense, relu) | 500 | 250,500 |
 * | encoder_2 (dense, relu) | 2000 | 1,002,000 |
 * | encoder_3 (dense, linear: the code) | 10 | 20,010 |
 * | decoder_3 (dense, relu) | 2000 | 22,000 |
 * | decoder_2 (dense, relu) | 500 | 1,000,500 |
 * | decoder_1 (dense, relu) | 500 | 250,500 |
 * | decoder_0 (dense, linear: the reconstruction) | 784 | 392,784 |
 *
 * 3,330,794 trainable parameters in all.
 */
export interface DenseArchitectureOptions {
  /** Values per input row (784 for 28×28 images, flattened). Default `784`. */
  inputSize?: number;
  /** Widths of the encoder's hidden ReLU layers; the decoder mirrors them. Default `[500, 500, 2000]`. */
  hiddenSizes?: readonly number[];
  /** Width of the linear code layer. Default `10`. */
  codeSize?: number;
}

/** {@link DenseArchitectureOptions} with every default filled in. */
export interface DenseArchitecture {
  readonly inputSize: number;
  readonly hiddenSizes: readonly number[];
  readonly codeSize: number;
}

/** N2D's architecture on 28×28 images. */
export const DEFAULT_DENSE_ARCHITECTURE: DenseArchitecture = Object.freeze({
  inputSize: 784,
  hiddenSizes: Object.freeze([500, 500, 2000]),
  codeSize: 10,
});

/**
 * Fills in defaults and validates.
 * @throws RangeError naming the option, the expected and the actual value.
 */
export function resolveDenseArchitecture(options: DenseArchitectureOptions = {}): DenseArchitecture {
  const inputSize = options.inputSize ?? DEFAULT_DENSE_ARCHITECTURE.inputSize;
  checkInteger('inputSize', inputSize, 1);
  const given = options.hiddenSizes ?? DEFAULT_DENSE_ARCHITECTURE.hiddenSizes;
  if (!Array.isArray(given)) throw new TypeError(`hiddenSizes must be an array of layer widths, got ${typeof given}.`);
  const hiddenSizes = [...given];
  hiddenSizes.forEach((v, i) => checkInteger(`hiddenSizes[${i}]`, v, 1));
  const codeSize = options.codeSize ?? DEFAULT_DENSE_ARCHITECTURE.codeSize;
  checkInteger('codeSize', codeSize, 1);
  return { inputSize, hiddenSizes, codeSize };
}

/** `d-500-500-2000-10` style name of an architecture (d = the input size). */
export function denseArchitectureName(arch: DenseArchitecture): string {
  return [arch.inputSize, ...arch.hiddenSizes, arch.codeSize].join('-');
}

/** The dense autoencoder and the encoder/decoder sharing its layers. */
export interface DenseModels {
  readonly autoencoder: LayersModel;
  readonly encoder: LayersModel;
  readonly decoder: LayersModel;
  readonly codeSize: number;
}

/**
 * Builds the dense autoencoder with `tf.layers` (seeded Glorot-uniform kernels and zero biases,
 * Keras' defaults, as N2D uses them).
 */
export function buildDenseAutoencoderWith(tf: TF, arch: DenseArchitecture, seed: number): DenseModels {
  if (!Number.isFinite(seed)) throw new RangeError(`seed must be a finite number, got ${seed}.`);
  const rng = createRandom(seed);
  const dense = (name: string, units: number, activation: 'relu' | 'linear') =>
    tf.layers.dense({ name, units, activation, kernelInitializer: tf.initializers.glorotUniform({ seed: rng.int(2 ** 31) }), biasInitializer: 'zeros' });
  const h = arch.hiddenSizes.length;
  const input = tf.input({ shape: [arch.inputSize], name: 'input' });
  let x = input as SymbolicTensor;
  arch.hiddenSizes.forEach((units, i) => { x = dense(`encoder_${i}`, units, 'relu').apply(x) as SymbolicTensor; });
  x = dense(`encoder_${h}`, arch.codeSize, 'linear').apply(x) as SymbolicTensor;
  for (let i = h - 1; i >= 0; i--) x = dense(`decoder_${i + 1}`, arch.hiddenSizes[i]!, 'relu').apply(x) as SymbolicTensor;
  x = dense('decoder_0', arch.inputSize, 'linear').apply(x) as SymbolicTensor;
  const autoencoder = tf.model({ inputs: input, outputs: x, name: 'dense_autoencoder' });
  return { autoencoder, ...splitDenseAutoencoderWith(tf, autoencoder) };
}

/**
 * The encoder (input → the last `encoder_*` layer, the code) and decoder (a new code input →
 * the `decoder_*` layers) of a built or loaded dense autoencoder; they share its weights.
 * @throws Error when the model is not a chain of `encoder_*` then `decoder_*` dense layers.
 */
export function splitDenseAutoencoderWith(tf: TF, autoencoder: LayersModel): { encoder: LayersModel; decoder: LayersModel; codeSize: number } {
  const layers = autoencoder.layers.filter((l) => l.getClassName() !== 'InputLayer');
  const codeIndex = layers.map((l) => l.name.startsWith('encoder_')).lastIndexOf(true);
  const decoderLayers = layers.slice(codeIndex + 1);
  if (
    codeIndex < 0 || decoderLayers.length === 0 ||
    !layers.every((l, i) => l.getClassName() === 'Dense' && l.name.startsWith(i <= codeIndex ? 'encoder_' : 'decoder_'))
  ) {
    throw new Error(
      `Model '${autoencoder.name}' is not a dense autoencoder of this package: expected Dense layers encoder_0 … encoder_k (the code) ` +
        `then decoder_k … decoder_0 (layers: ${layers.map((l) => l.name).join(', ')}).`,
    );
  }
  const codeLayer = layers[codeIndex]!;
  const codeSize = (codeLayer.outputShape as number[])[1]!;
  const encoder = tf.model({ inputs: autoencoder.inputs, outputs: codeLayer.output as SymbolicTensor, name: 'dense_encoder' });
  const codeInput = tf.input({ shape: [codeSize], name: 'code_input' });
  let y = codeInput as SymbolicTensor;
  for (const l of decoderLayers) y = l.apply(y) as SymbolicTensor;
  const decoder = tf.model({ inputs: codeInput, outputs: y, name: 'dense_decoder' });
  return { encoder, decoder, codeSize };
}
