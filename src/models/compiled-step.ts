import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import type { LayersModel, NamedTensorMap, SymbolicTensor, Variable } from '@tensorflow/tfjs';
import { loadGraphSession, type BackendName, type GraphSession, type TF } from '../tf/backend.js';
import type { FlatAdam } from '../tf/flat-adam.js';
import { attr, GraphBuilder, type Signature, type TensorRef } from '../tf/graph/graph-def.js';
import type { Matrix } from '../util/matrix.js';
import { INFERENCE_BATCH, type BatchStep } from './training.js';

/**
 * A whole training step of an autoencoder compiled into one TensorFlow graph, for the tensorflow
 * backend. Eagerly, tfjs-node runs a step of the report's model as ≈150 separate native ops (each
 * 40–90 µs of call overhead, no fusion, one op at a time); as a graph, TensorFlow runs the same
 * step in one session call, fuses ops (oneDNN) and runs independent ones on both cores — the way
 * Keras compiles `train_step` with `tf.function`.
 *
 * The graph takes the batch, the weights, FlatAdam's flat moments and its bias corrections, and
 * returns the loss, the new weights and the new moments: the model's variables and the optimizer
 * stay the state, so validation, early stopping, interruption, saving and eager training work on
 * them unchanged. The backward pass is written out per layer with TensorFlow's own gradient ops
 * (no autodiff), the loss gradient and the Adam update follow `trainingLoss` and `FlatAdam`
 * operation for operation.
 *
 * Compiles models that are a chain of Conv2D, MaxPooling2D, UpSampling2D (nearest), Flatten,
 * Reshape and Dense layers with relu, sigmoid or linear activations (both autoencoders of this
 * package); {@link compileTrainingStep} says why another model cannot be compiled.
 */

/** The losses a compiled step can minimise (the estimators' `trainingLoss`). */
export type CompiledLoss = 'binaryCrossEntropy' | 'meanSquaredError';

/** Keras' `epsilon()`: the clip of p in binary cross-entropy and the floor of p(1−p) in its gradient. */
const EPSILON = 1e-7;

/** One layer of the chain, in graph terms. */
type LayerPlan =
  | { kind: 'conv'; kernel: number; bias: number | undefined; strides: number; padding: 'SAME' | 'VALID'; activation: Activation; kernelShape: number[] }
  | { kind: 'dense'; kernel: number; bias: number | undefined; activation: Activation }
  | { kind: 'maxPool'; pool: number; strides: number; padding: 'SAME' | 'VALID' }
  | { kind: 'upsample'; inputSize: [number, number]; outputSize: [number, number] }
  | { kind: 'reshape'; targetShape: number[] };

type Activation = 'relu' | 'sigmoid' | 'linear';

/** A layer's input shape (its one inbound tensor's), batch dimension first. */
function inputShape(layer: LayersModel['layers'][number]): number[] {
  return (layer.getInputAt(0) as SymbolicTensor).shape as number[];
}

/** Why a model cannot be compiled, or its plan: one entry per layer, weights by index in `model.trainableWeights`. */
export function planLayers(model: LayersModel): { plan: LayerPlan[] } | { reason: string } {
  const weights = model.trainableWeights;
  const indexOf = (layerWeight: unknown, what: string): number => {
    const i = weights.indexOf(layerWeight as (typeof weights)[number]);
    if (i < 0) throw new Error(`${what} is not among the model's trainable weights`);
    return i;
  };
  if (model.inputs.length !== 1 || model.outputs.length !== 1) return { reason: 'the model has more than one input or output' };
  const plan: LayerPlan[] = [];
  let previous: unknown = (model.inputs[0] as SymbolicTensor).sourceLayer;
  for (const layer of model.layers) {
    const cls = layer.getClassName();
    const inbound = layer.inboundNodes;
    if (cls === 'InputLayer') continue;
    if (inbound.length < 1 || inbound[0]!.inboundLayers.length !== 1 || inbound[0]!.inboundLayers[0] !== previous) {
      return { reason: `layer '${layer.name}' does not take the previous layer's output (not a chain)` };
    }
    previous = layer;
    const config = layer.getConfig() as Record<string, unknown>;
    const activation = config.activation as string | undefined;
    if (activation !== undefined && activation !== 'relu' && activation !== 'sigmoid' && activation !== 'linear') {
      return { reason: `layer '${layer.name}' has activation '${activation}' (compiled: relu, sigmoid, linear)` };
    }
    const pair = (v: unknown): number[] => (Array.isArray(v) ? v as number[] : [v as number, v as number]);
    const padding = (v: unknown): 'SAME' | 'VALID' => (v === 'same' ? 'SAME' : 'VALID');
    try {
      switch (cls) {
        case 'Conv2D': {
          const strides = pair(config.strides);
          const dilation = pair(config.dilationRate ?? 1);
          if (config.dataFormat !== 'channelsLast' || strides[0] !== strides[1] || dilation.some((d) => d !== 1)) {
            return { reason: `layer '${layer.name}' is not a channels-last, undilated, square-stride Conv2D` };
          }
          const [kernel, bias] = layer.trainableWeights;
          plan.push({
            kind: 'conv', kernel: indexOf(kernel, `the kernel of '${layer.name}'`), bias: bias ? indexOf(bias, `the bias of '${layer.name}'`) : undefined,
            strides: strides[0]!, padding: padding(config.padding), activation: (activation ?? 'linear') as Activation, kernelShape: [...kernel!.shape] as number[],
          });
          break;
        }
        case 'Dense': {
          if (inputShape(layer).length !== 2) return { reason: `layer '${layer.name}' is a Dense layer on a rank-${inputShape(layer).length} input` };
          const [kernel, bias] = layer.trainableWeights;
          plan.push({ kind: 'dense', kernel: indexOf(kernel, `the kernel of '${layer.name}'`), bias: bias ? indexOf(bias, `the bias of '${layer.name}'`) : undefined, activation: (activation ?? 'linear') as Activation });
          break;
        }
        case 'MaxPooling2D': {
          const pool = pair(config.poolSize);
          const strides = pair(config.strides ?? config.poolSize);
          if (config.dataFormat !== 'channelsLast' || pool[0] !== pool[1] || strides[0] !== strides[1]) {
            return { reason: `layer '${layer.name}' is not a channels-last MaxPooling2D with square pool and strides` };
          }
          plan.push({ kind: 'maxPool', pool: pool[0]!, strides: strides[0]!, padding: padding(config.padding) });
          break;
        }
        case 'UpSampling2D': {
          const input = inputShape(layer);
          const output = layer.outputShape as number[];
          if (config.dataFormat !== 'channelsLast' || (config.interpolation ?? 'nearest') !== 'nearest') {
            return { reason: `layer '${layer.name}' is not a channels-last nearest UpSampling2D` };
          }
          plan.push({ kind: 'upsample', inputSize: [input[1]!, input[2]!], outputSize: [output[1]!, output[2]!] });
          break;
        }
        case 'Flatten':
        case 'Reshape':
          plan.push({ kind: 'reshape', targetShape: (layer.outputShape as number[]).slice(1) });
          break;
        default:
          return { reason: `layer '${layer.name}' is a ${cls} (compiled: Conv2D, Dense, MaxPooling2D, UpSampling2D, Flatten, Reshape)` };
      }
    } catch (err) {
      return { reason: (err as Error).message };
    }
  }
  return { plan };
}

/** Environment variable: the training engine on the tensorflow backend (`graph` or `eager`). */
export const TRAIN_ENGINE_ENV = 'FMNIST_TRAIN_ENGINE';

/**
 * The engine a `fit` uses on `backend`: `graph` on tensorflow (where the session runs it), `eager`
 * elsewhere. `requested` (the fit option), else `$FMNIST_TRAIN_ENGINE`, chooses on tensorflow.
 * @throws RangeError for another value of the option or the variable.
 */
export function trainingEngine(backend: BackendName, requested?: string, env: NodeJS.ProcessEnv = process.env): 'graph' | 'eager' {
  const fromEnv = env[TRAIN_ENGINE_ENV]?.trim();
  const choice = requested ?? (fromEnv === '' ? undefined : fromEnv);
  if (choice !== undefined && choice !== 'graph' && choice !== 'eager') {
    throw new RangeError(requested !== undefined
      ? `engine must be 'graph' or 'eager', got '${String(requested)}'.`
      : `${TRAIN_ENGINE_ENV} must be graph or eager, got '${String(fromEnv)}'.`);
  }
  return backend === 'tensorflow' ? choice ?? 'graph' : 'eager';
}

/** Builds the training graph and its signatures: `train` (one step) and `evaluate` (the loss only). */
export function trainingGraph(
  plan: readonly LayerPlan[],
  weightShapes: readonly (readonly number[])[],
  sampleShape: readonly number[],
  loss: CompiledLoss,
  adam: { learningRate: number; beta1: number; beta2: number; epsilon: number },
): { graph: GraphBuilder; train: Signature; evaluate: Signature } {
  const g = new GraphBuilder();
  const f32 = { T: attr.type('float32') };
  const ints = (values: readonly number[]): string => g.constant('int32', [values.length], values);
  const x = g.placeholder('x', 'float32', [-1, ...sampleShape]);
  const weights = weightShapes.map((shape, i) => g.placeholder(`w${i}`, 'float32', shape));
  const w = (i: number): string => weights[i]!.output;
  // Attributes shared by an op and its gradient op, so that the two cannot disagree.
  const convAttrs = (l: { strides: number; padding: string }) => ({ ...f32, strides: attr.ints([1, l.strides, l.strides, 1]), padding: attr.string(l.padding), data_format: attr.string('NHWC') });
  const poolAttrs = (l: { pool: number; strides: number; padding: string }) => ({ ...convAttrs(l), ksize: attr.ints([1, l.pool, l.pool, 1]) });
  const nearest = { ...f32, align_corners: attr.bool(false), half_pixel_centers: attr.bool(false) };
  const reshape = (t: string, shape: string): string => g.op('Reshape', [t, shape], { ...f32, Tshape: attr.type('int32') });
  const shapeOf = (t: string): string => g.op('Shape', [t], { ...f32, out_type: attr.type('int32') });

  // Forward, keeping what the backward pass needs.
  const saved: { input: string; output: string }[] = [];
  let h = x.output;
  for (const layer of plan) {
    const input = h;
    switch (layer.kind) {
      case 'conv':
      case 'dense': {
        let z = layer.kind === 'conv'
          ? g.op('Conv2D', [h, w(layer.kernel)], convAttrs(layer))
          : g.op('MatMul', [h, w(layer.kernel)], { ...f32, transpose_a: attr.bool(false), transpose_b: attr.bool(false) });
        if (layer.bias !== undefined) z = g.op('BiasAdd', [z, w(layer.bias)], { ...f32, data_format: attr.string('NHWC') });
        h = layer.activation === 'relu' ? g.op('Relu', [z], f32) : layer.activation === 'sigmoid' ? g.op('Sigmoid', [z], f32) : z;
        break;
      }
      case 'maxPool':
        h = g.op('MaxPool', [h], poolAttrs(layer));
        break;
      case 'upsample':
        h = g.op('ResizeNearestNeighbor', [h, ints(layer.outputSize)], nearest);
        break;
      case 'reshape':
        h = reshape(h, ints([-1, ...layer.targetShape]));
        break;
    }
    saved.push({ input, output: h });
  }
  const p = h;
  const y = x.output;
  const rank = sampleShape.length + 1;
  const allAxes = ints(Array.from({ length: rank }, (_, i) => i));
  const mean = (t: string): string => g.op('Mean', [t, allAxes], { ...f32, Tidx: attr.type('int32'), keep_dims: attr.bool(false) });
  const one = g.scalar(1);
  const invCount = g.op('RealDiv', [one, g.op('Cast', [g.op('Size', [p], { ...f32, out_type: attr.type('int32') })], { SrcT: attr.type('int32'), DstT: attr.type('float32'), Truncate: attr.bool(false) })], f32);

  // The loss value (as binaryCrossEntropy / meanSquaredError) and its gradient (as trainingLoss's hand-written one / the autodiff of the MSE).
  let lossValue: string;
  let dp: string;
  if (loss === 'binaryCrossEntropy') {
    const pc = g.op('ClipByValue', [p, g.scalar(EPSILON), g.scalar(1 - EPSILON)], f32);
    const logP = g.op('Log', [pc], f32);
    const log1mP = g.op('Log', [g.op('Sub', [one, pc], f32)], f32);
    lossValue = g.op('Neg', [mean(g.op('AddV2', [g.op('Mul', [y, g.op('Sub', [logP, log1mP], f32)], f32), log1mP], f32))], f32, 'loss');
    const denom = g.op('Maximum', [g.op('Mul', [p, g.op('Sub', [one, p], f32)], f32), g.scalar(EPSILON)], f32);
    dp = g.op('Mul', [g.op('RealDiv', [g.op('Sub', [p, y], f32), denom], f32), invCount], f32);
  } else {
    lossValue = g.op('Identity', [mean(g.op('SquaredDifference', [p, y], f32))], f32, 'loss');
    dp = g.op('Mul', [g.op('Mul', [g.op('Sub', [p, y], f32), g.scalar(2)], f32), invCount], f32);
  }

  // Backward, layer by layer, with TensorFlow's gradient ops.
  const grads: string[] = new Array(weightShapes.length);
  let dy = dp;
  for (let li = plan.length - 1; li >= 0; li--) {
    const layer = plan[li]!;
    const { input, output } = saved[li]!;
    const needInput = li > 0;
    switch (layer.kind) {
      case 'conv':
      case 'dense': {
        const dz = layer.activation === 'relu' ? g.op('ReluGrad', [dy, output], f32)
          : layer.activation === 'sigmoid' ? g.op('SigmoidGrad', [output, dy], f32) : dy;
        if (layer.bias !== undefined) grads[layer.bias] = g.op('BiasAddGrad', [dz], { ...f32, data_format: attr.string('NHWC') });
        if (layer.kind === 'conv') {
          grads[layer.kernel] = g.op('Conv2DBackpropFilter', [input, ints(layer.kernelShape), dz], convAttrs(layer));
          if (needInput) dy = g.op('Conv2DBackpropInput', [shapeOf(input), w(layer.kernel), dz], convAttrs(layer));
        } else {
          grads[layer.kernel] = g.op('MatMul', [input, dz], { ...f32, transpose_a: attr.bool(true), transpose_b: attr.bool(false) });
          if (needInput) dy = g.op('MatMul', [dz, w(layer.kernel)], { ...f32, transpose_a: attr.bool(false), transpose_b: attr.bool(true) });
        }
        break;
      }
      case 'maxPool':
        if (needInput) dy = g.op('MaxPoolGrad', [input, output, dy], poolAttrs(layer));
        break;
      case 'upsample':
        if (needInput) dy = g.op('ResizeNearestNeighborGrad', [dy, ints(layer.inputSize)], nearest);
        break;
      case 'reshape':
        if (needInput) dy = reshape(dy, shapeOf(input));
        break;
    }
  }
  grads.forEach((grad, i) => {
    if (grad === undefined) throw new Error(`trainingGraph: weight ${i} gets no gradient from the plan.`);
  });

  // FlatAdam's update, operation for operation, on the concatenated gradient.
  const sizes = weightShapes.map((s) => s.reduce((a, b) => a * b, 1));
  const total = sizes.reduce((a, b) => a + b, 0);
  const m = g.placeholder('m', 'float32', [total]);
  const v = g.placeholder('v', 'float32', [total]);
  const bias1 = g.placeholder('bias1', 'float32', []);
  const bias2 = g.placeholder('bias2', 'float32', []);
  const flat = g.op('ConcatV2', [...grads.map((grad) => reshape(grad, ints([-1]))), g.constant('int32', [], [0])], {
    ...f32, N: attr.int(grads.length), Tidx: attr.type('int32'),
  });
  const newM = g.op('AddV2', [g.op('Mul', [m.output, g.scalar(adam.beta1)], f32), g.op('Mul', [flat, g.scalar(1 - adam.beta1)], f32)], f32, 'm_out');
  const newV = g.op('AddV2', [g.op('Mul', [v.output, g.scalar(adam.beta2)], f32), g.op('Mul', [g.op('Square', [flat], f32), g.scalar(1 - adam.beta2)], f32)], f32, 'v_out');
  const mHat = g.op('RealDiv', [newM, bias1.output], f32);
  const vHat = g.op('RealDiv', [newV, bias2.output], f32);
  const delta = g.op('Mul', [g.op('RealDiv', [mHat, g.op('AddV2', [g.op('Sqrt', [vHat], f32), g.scalar(adam.epsilon)], f32)], f32), g.scalar(-adam.learningRate)], f32);
  const parts = g.op('SplitV', [delta, ints(sizes), g.constant('int32', [], [0])], { ...f32, Tlen: attr.type('int32'), num_split: attr.int(sizes.length) });
  const newWeights = weightShapes.map((shape, i) =>
    g.op('AddV2', [reshape(`${parts}:${i}`, ints(shape)), w(i)], f32, `w${i}_out`));

  const ref = (output: string, shape: readonly number[]): TensorRef => ({ output, dtype: 'float32', shape });
  const weightInputs = Object.fromEntries(weights.map((wt, i) => [`w${i}`, wt]));
  return {
    graph: g,
    train: {
      inputs: { x, ...weightInputs, m, v, bias1, bias2 },
      outputs: { loss: ref(lossValue, []), m: ref(newM, [total]), v: ref(newV, [total]), ...Object.fromEntries(newWeights.map((o, i) => [`w${i}`, ref(o, weightShapes[i]!)])) },
    },
    evaluate: { inputs: { x, ...weightInputs }, outputs: { loss: ref(lossValue, []) } },
  };
}

/** A compiled training step, or why the model cannot have one. */
export type CompileResult = { step: CompiledStep } | { reason: string };

/**
 * Compiles `model`'s training step (loss `loss`, Adam with `optimizer`'s hyperparameters) into a
 * TensorFlow session. Only on the tensorflow backend.
 * @returns the step, or the reason it cannot be compiled (an unsupported layer) — the caller trains eagerly then.
 * @throws Error when TensorFlow refuses the graph (a bug: the message names the op).
 */
export async function compileTrainingStep(tf: TF, model: LayersModel, sampleShape: readonly number[], loss: CompiledLoss, optimizer: FlatAdam): Promise<CompileResult> {
  const planned = planLayers(model);
  if ('reason' in planned) return planned;
  const weightShapes = model.trainableWeights.map((wt) => [...wt.shape] as number[]);
  const { graph, train, evaluate } = trainingGraph(planned.plan, weightShapes, sampleShape, loss, optimizer);
  const dir = mkdtempSync(path.join(tmpdir(), 'fmnist-step-'));
  try {
    writeFileSync(path.join(dir, 'saved_model.pb'), graph.savedModel({ serving_default: train, evaluate }));
    const session = await loadGraphSession(dir, 'serving_default');
    const evaluation = await loadGraphSession(dir, 'evaluate');
    return { step: new CompiledStep(tf, session, evaluation, weightShapes.length) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** One training step as one TensorFlow session call; see {@link compileTrainingStep}. */
export class CompiledStep implements BatchStep {
  /** @internal use {@link compileTrainingStep}. */
  constructor(private readonly tf: TF, private readonly session: GraphSession, private readonly evaluation: GraphSession, private readonly weightCount: number) {}

  step(_model: LayersModel, optimizer: FlatAdam, varList: Variable[], _loss: unknown, sampleShape: readonly number[], batch: Float32Array, size: number): number {
    const tf = this.tf;
    if (varList.length !== this.weightCount) throw new Error(`CompiledStep: compiled for ${this.weightCount} weights, given ${varList.length}.`);
    const total = varList.reduce((a, wt) => a + wt.size, 0);
    const { m, v, bias1, bias2 } = optimizer.stepState(total);
    const inputs: NamedTensorMap = { x: tf.tensor(batch, [size, ...sampleShape]), m, v, bias1: tf.scalar(bias1), bias2: tf.scalar(bias2) };
    varList.forEach((wt, i) => { inputs[`w${i}`] = wt; });
    let out: NamedTensorMap | undefined;
    try {
      out = this.session.predict(inputs);
      const lossValue = out.loss!.dataSync()[0]!;
      // assign() hands the outputs' buffers to the variables: no copy, no op.
      varList.forEach((wt, i) => wt.assign(out![`w${i}`]!));
      optimizer.endStep(out.m!, out.v!);
      return lossValue;
    } finally {
      tf.dispose([inputs.x!, inputs.bias1!, inputs.bias2!]);
      if (out) tf.dispose(Object.values(out));
    }
  }

  /** The evaluation loss over `images` with the current weights, through the graph's `evaluate` signature, in batches of {@link INFERENCE_BATCH}. */
  meanLoss(varList: readonly Variable[], images: Matrix, sampleShape: readonly number[]): number {
    const tf = this.tf;
    let sum = 0;
    for (let start = 0; start < images.rows; start += INFERENCE_BATCH) {
      const size = Math.min(INFERENCE_BATCH, images.rows - start);
      const inputs: NamedTensorMap = { x: tf.tensor(images.data.slice(start * images.cols, (start + size) * images.cols), [size, ...sampleShape]) };
      varList.forEach((wt, i) => { inputs[`w${i}`] = wt; });
      let out: NamedTensorMap | undefined;
      try {
        out = this.evaluation.predict(inputs);
        sum += out.loss!.dataSync()[0]! * size;
      } finally {
        inputs.x!.dispose();
        if (out) tf.dispose(Object.values(out));
      }
    }
    return sum / images.rows;
  }

  /** Frees the TensorFlow sessions. */
  dispose(): void {
    this.session.dispose();
    this.evaluation.dispose();
  }
}
