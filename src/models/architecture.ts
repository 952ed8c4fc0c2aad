import type { LayersModel, SymbolicTensor } from '@tensorflow/tfjs';
import { initBackend, type TF } from '../tf/backend.js';
import { createRandom } from '../util/random.js';
import { checkInteger } from '../util/validate.js';

/**
 * The shape of the convolutional autoencoder. The defaults reproduce the report's model exactly
 * (4,385 trainable parameters, a 128-value code = flatten of 4×4×8):
 *
 * | layer (Keras name) | output | params |
 * |---|---|---|
 * | conv2d (16, 3×3, relu, same) | 28×28×16 | 160 |
 * | max_pooling2d (2, same) | 14×14×16 | 0 |
 * | conv2d_1 (8, 3×3, relu, same) | 14×14×8 | 1,160 |
 * | max_pooling2d_1 (2, same) | 7×7×8 | 0 |
 * | conv2d_2 (8, 3×3, stride 2, relu, same) | 4×4×8 | 584 |
 * | flatten (the code) | 128 | 0 |
 * | reshape | 4×4×8 | 0 |
 * | conv2d_3 (8, 3×3, relu, same) | 4×4×8 | 584 |
 * | up_sampling2d | 8×8×8 | 0 |
 * | conv2d_4 (8, 3×3, relu, same) | 8×8×8 | 584 |
 * | up_sampling2d_1 | 16×16×8 | 0 |
 * | conv2d_5 (16, 3×3, relu, valid) | 14×14×16 | 1,168 |
 * | up_sampling2d_2 | 28×28×16 | 0 |
 * | conv2d_6 (1, 3×3, sigmoid, same) | 28×28×1 | 145 |
 *
 * Encoder: for each entry of `encoderFilters` a `kernelSize` conv (relu, same) and a 2×2 max-pool
 * (same), then a stride-2 conv with `codeChannels` filters, flattened into the code.
 * Decoder: a reshape back to the code's grid, then for each entry of `decoderFilters` a conv
 * (relu) and a 2× nearest upsampling, and a final sigmoid conv with the input's channels. A
 * decoder conv is `valid` instead of `same` where that is needed to land exactly on the input
 * size (28 = 2 × (16 − 2) in the report's model); other sizes that cannot be reached are rejected.
 */
export interface ArchitectureOptions {
  /** Image height, width, channels. Default `[28, 28, 1]`. */
  inputShape?: readonly [number, number, number];
  /** Filters of each conv + max-pool level of the encoder. Default `[16, 8]`. */
  encoderFilters?: readonly number[];
  /** Filters of the final stride-2 encoder conv: the code is its flattened output. Default `8`. */
  codeChannels?: number;
  /**
   * Filters of each conv + upsampling level of the decoder; must have
   * `encoderFilters.length + 1` entries. Default: the encoder's filters reversed, `[8, 8, 16]`.
   */
  decoderFilters?: readonly number[];
  /** Square kernel size of every conv. Default `3`. */
  kernelSize?: number;
}

/** {@link ArchitectureOptions} with every default filled in. */
export interface Architecture {
  readonly inputShape: readonly [number, number, number];
  readonly encoderFilters: readonly number[];
  readonly codeChannels: number;
  readonly decoderFilters: readonly number[];
  readonly kernelSize: number;
}

/** The report's architecture. */
export const DEFAULT_ARCHITECTURE: Architecture = Object.freeze({
  inputShape: Object.freeze([28, 28, 1]) as unknown as readonly [number, number, number],
  encoderFilters: Object.freeze([16, 8]),
  codeChannels: 8,
  decoderFilters: Object.freeze([8, 8, 16]),
  kernelSize: 3,
});

/** Layer names used by {@link buildAutoencoder} to find the code inside a model. */
export const CODE_LAYER_NAME = 'flatten';
/** The first decoder layer (a Reshape from the code vector to its grid). */
export const DECODER_FIRST_LAYER_NAME = 'reshape';

/**
 * Fills in defaults and validates architecture options.
 * @throws RangeError naming the option, the expected and the actual value.
 * @example resolveArchitecture({}).decoderFilters // [8, 8, 16]
 */
export function resolveArchitecture(options: ArchitectureOptions = {}): Architecture {
  const inputShape = options.inputShape ?? DEFAULT_ARCHITECTURE.inputShape;
  if (!Array.isArray(inputShape) || inputShape.length !== 3) {
    throw new RangeError(`inputShape must be [height, width, channels], got ${JSON.stringify(inputShape)}.`);
  }
  inputShape.forEach((v, i) => checkInteger(`inputShape[${i}]`, v, 1));
  const encoderFilters = [...(options.encoderFilters ?? DEFAULT_ARCHITECTURE.encoderFilters)];
  encoderFilters.forEach((v, i) => checkInteger(`encoderFilters[${i}]`, v, 1));
  const codeChannels = options.codeChannels ?? DEFAULT_ARCHITECTURE.codeChannels;
  checkInteger('codeChannels', codeChannels, 1);
  const decoderFilters = [...(options.decoderFilters ?? [...encoderFilters, codeChannels].reverse())];
  if (decoderFilters.length !== encoderFilters.length + 1) {
    throw new RangeError(
      `decoderFilters must have encoderFilters.length + 1 = ${encoderFilters.length + 1} entries (one per upsampling), ` +
        `got ${decoderFilters.length}. Omit it to mirror the encoder.`,
    );
  }
  decoderFilters.forEach((v, i) => checkInteger(`decoderFilters[${i}]`, v, 1));
  const kernelSize = options.kernelSize ?? DEFAULT_ARCHITECTURE.kernelSize;
  checkInteger('kernelSize', kernelSize, 1, 15);
  const arch: Architecture = {
    inputShape: [inputShape[0], inputShape[1], inputShape[2]],
    encoderFilters,
    codeChannels,
    decoderFilters,
    kernelSize,
  };
  planSizes(arch); // throws when the decoder cannot reach the input size
  return arch;
}

/** Spatial sizes along the network and where the decoder uses `valid` padding. */
interface SizePlan {
  /** Code grid [h, w]. */
  code: [number, number];
  /** Per decoder level: whether its conv is `valid`. */
  validAt: boolean[];
}

function planSizes(arch: Architecture): SizePlan {
  const [H, W] = arch.inputShape;
  const down = (s: number): number => Math.ceil(s / 2); // pool 2 'same' and stride-2 conv 'same'
  let h = H;
  let w = W;
  for (let i = 0; i < arch.encoderFilters.length + 1; i++) { h = down(h); w = down(w); }
  const code: [number, number] = [h, w];
  const levels = arch.decoderFilters.length;
  const crop = arch.kernelSize - 1;
  const validAt: boolean[] = [];
  // Greedy: a level's conv is 'valid' when the size it then reaches after the remaining
  // upsamplings still covers the target in both dimensions.
  for (let i = 0; i < levels; i++) {
    const r = levels - i;
    const valid = crop > 0 && h - crop >= 1 && w - crop >= 1 && (h - crop) * 2 ** r >= H && (w - crop) * 2 ** r >= W;
    validAt.push(valid);
    if (valid) { h -= crop; w -= crop; }
    h *= 2; w *= 2;
  }
  if (h !== H || w !== W) {
    throw new RangeError(
      `The decoder of this architecture reaches ${h}×${w}, not the input size ${H}×${W}: with ${arch.encoderFilters.length} ` +
        `pooling levels the code grid is ${code[0]}×${code[1]}. Choose a number of encoderFilters levels or an inputShape ` +
        'for which the sizes match (the default, 2 levels on 28×28, does).',
    );
  }
  return { code, validAt };
}

/** The three models of an autoencoder; they share their layers (and so their weights). */
export interface AutoencoderModels {
  /** Image → reconstruction (what is trained and saved). */
  readonly autoencoder: LayersModel;
  /** Image → code (flat vector of `codeSize` values). */
  readonly encoder: LayersModel;
  /** Code → reconstruction. */
  readonly decoder: LayersModel;
  /** Length of the code vector (128 for the report's model). */
  readonly codeSize: number;
  /** The resolved architecture. */
  readonly architecture: Architecture;
}

/** Options of {@link buildAutoencoder}. */
export interface BuildOptions extends ArchitectureOptions {
  /** Seed of the Glorot-uniform kernel initialisers (biases start at zero). Default `0`. */
  seed?: number;
}

/**
 * Builds the convolutional autoencoder with `tf.layers` (Keras layer names, seeded Glorot-uniform
 * kernels, zero biases) and returns it together with an encoder and a decoder that share its
 * weights. The defaults give the report's model (see {@link ArchitectureOptions}).
 * @throws RangeError for invalid architecture options.
 * @example
 * const { autoencoder, encoder, codeSize } = await buildAutoencoder({ seed: 1 });
 * autoencoder.countParams() === 4385 && codeSize === 128
 */
export async function buildAutoencoder(options: BuildOptions = {}): Promise<AutoencoderModels> {
  const { tf } = await initBackend();
  return buildAutoencoderWith(tf, options);
}

/** {@link buildAutoencoder} with an explicit `tf` namespace (synchronous). */
export function buildAutoencoderWith(tf: TF, options: BuildOptions = {}): AutoencoderModels {
  const arch = resolveArchitecture(options);
  const seed = options.seed ?? 0;
  if (!Number.isFinite(seed)) throw new RangeError(`seed must be a finite number, got ${seed}.`);
  const plan = planSizes(arch);
  const rng = createRandom(seed);
  const names = new KerasNames();
  const k = arch.kernelSize;
  const conv = (filters: number, activation: 'relu' | 'sigmoid', padding: 'same' | 'valid', strides = 1) =>
    tf.layers.conv2d({
      name: names.next('conv2d'),
      filters,
      kernelSize: k,
      strides,
      padding,
      activation,
      kernelInitializer: tf.initializers.glorotUniform({ seed: rng.int(2 ** 31) }),
      biasInitializer: 'zeros',
    });

  const input = tf.input({ shape: [...arch.inputShape], name: 'input_1' });
  let x = input as SymbolicTensor;
  for (const f of arch.encoderFilters) {
    x = conv(f, 'relu', 'same').apply(x) as SymbolicTensor;
    x = tf.layers.maxPooling2d({ name: names.next('max_pooling2d'), poolSize: 2, padding: 'same' }).apply(x) as SymbolicTensor;
  }
  x = conv(arch.codeChannels, 'relu', 'same', 2).apply(x) as SymbolicTensor;
  const code = tf.layers.flatten({ name: names.next('flatten') }).apply(x) as SymbolicTensor;
  const codeSize = plan.code[0] * plan.code[1] * arch.codeChannels;

  let y = tf.layers.reshape({ name: names.next('reshape'), targetShape: [plan.code[0], plan.code[1], arch.codeChannels] })
    .apply(code) as SymbolicTensor;
  arch.decoderFilters.forEach((f, i) => {
    y = conv(f, 'relu', plan.validAt[i] ? 'valid' : 'same').apply(y) as SymbolicTensor;
    y = tf.layers.upSampling2d({ name: names.next('up_sampling2d'), size: [2, 2] }).apply(y) as SymbolicTensor;
  });
  y = conv(arch.inputShape[2], 'sigmoid', 'same').apply(y) as SymbolicTensor;

  const autoencoder = tf.model({ inputs: input, outputs: y, name: 'autoencoder' });
  const { encoder, decoder } = splitAutoencoderWith(tf, autoencoder);
  return { autoencoder, encoder, decoder, codeSize, architecture: arch };
}

/**
 * Derives the encoder (input → code layer) and the decoder (a new code input → output) of a
 * built or loaded autoencoder. The code layer is the one feeding the first Reshape layer
 * (`flatten` → `reshape` in the report's model). The three models share weights.
 * @throws Error when the model has no Reshape layer fed by a flat code.
 */
export function splitAutoencoderWith(tf: TF, autoencoder: LayersModel): { encoder: LayersModel; decoder: LayersModel; codeSize: number } {
  const layers = autoencoder.layers;
  const start = layers.findIndex((l) => l.getClassName() === 'Reshape');
  if (start <= 0) {
    throw new Error(
      `Model '${autoencoder.name}' is not an autoencoder of this package: expected a Reshape layer starting the decoder ` +
        `(layers: ${layers.map((l) => l.name).join(', ')}).`,
    );
  }
  const reshape = layers[start]!;
  const codeTensor = reshape.getInputAt(0) as SymbolicTensor;
  if (Array.isArray(codeTensor) || codeTensor.shape.length !== 2) {
    throw new Error(`Layer '${reshape.name}' must take a flat code [batch, size]; got input shape ${JSON.stringify(codeTensor.shape)}.`);
  }
  const codeSize = codeTensor.shape[1]!;
  const encoder = tf.model({ inputs: autoencoder.inputs, outputs: codeTensor, name: 'encoder' });
  const codeInput = tf.input({ shape: [codeSize], name: 'code_input' });
  // Apply the decoder layers, in topological order, to the new input. Every decoder layer of
  // this package's models has exactly one inbound layer, so the chain is followed layer by layer.
  let y = codeInput as SymbolicTensor;
  for (let i = start; i < layers.length; i++) {
    y = layers[i]!.apply(y) as SymbolicTensor;
  }
  const decoder = tf.model({ inputs: codeInput, outputs: y, name: 'decoder' });
  return { encoder, decoder, codeSize };
}

/** Keras' default layer naming: `conv2d`, `conv2d_1`, `conv2d_2`, ... */
class KerasNames {
  private readonly counts = new Map<string, number>();
  next(prefix: string): string {
    const n = this.counts.get(prefix) ?? 0;
    this.counts.set(prefix, n + 1);
    return n === 0 ? prefix : `${prefix}_${n}`;
  }
}

/** One row of {@link architectureTable}. */
export interface LayerRow {
  readonly name: string;
  readonly className: string;
  /** Output shape without the batch dimension, e.g. `[28, 28, 16]`. */
  readonly outputShape: number[];
  readonly params: number;
}

/**
 * The layers of a model with output shapes and parameter counts (like Keras' `summary()`),
 * for notebooks and tests.
 * @example architectureTable(autoencoder)[0] // { name: 'conv2d', className: 'Conv2D', outputShape: [28, 28, 16], params: 160 }
 */
export function architectureTable(model: LayersModel): LayerRow[] {
  return model.layers
    .filter((l) => l.getClassName() !== 'InputLayer')
    .map((l) => {
      const shape = l.outputShape as (number | null)[];
      return {
        name: l.name,
        className: l.getClassName(),
        outputShape: shape.slice(1).map((d) => d ?? -1),
        params: l.countParams(),
      };
    });
}
