import type { NamedTensorMap, Scalar, Tensor, Variable } from '@tensorflow/tfjs';
import type { TF } from './backend.js';

/**
 * Adam with the update of `tf.train.adam` (TF.js 4.22: `m ← β1·m + (1−β1)·g`,
 * `v ← β2·v + (1−β2)·g²`, `w ← w − lr · (m / (1−β1ᵗ)) / (√(v / (1−β2ᵗ)) + ε)`), computed once on
 * all parameters concatenated into one vector instead of once per variable.
 *
 * Why: on tfjs-node every op is a separate native call (≈40–90 µs here) and `tf.train.adam` issues
 * about 13 ops and 6 scalar uploads per variable (≈190 ops for the report's 14 weight tensors,
 * ≈20 ms of a ≈150 ms step on a busy machine); this one issues about 60 per step whatever the
 * number of variables. The moments are kept flat (two variables); β1ᵗ, β2ᵗ are tracked in
 * float32 like TF.js' `accBeta` variables. Same interface as the parts of `Optimizer` the trainer
 * uses (`minimize`, `dispose`).
 * @example
 * const opt = new FlatAdam(tf, 1e-3, 0.9, 0.999, 1e-7);
 * const cost = opt.minimize(() => loss(model.apply(x)), true, vars); // like tf.train.adam(...).minimize
 */
export class FlatAdam {
  private m?: Variable;
  private v?: Variable;
  private accBeta1: number;
  private accBeta2: number;
  private readonly consts: { beta1: Scalar; oneMinusBeta1: Scalar; beta2: Scalar; oneMinusBeta2: Scalar; epsilon: Scalar; negLr: Scalar };

  /**
   * @param learningRate step size (Keras/TF.js default 0.001)
   * @param beta1 first-moment decay; @param beta2 second-moment decay; @param epsilon added to √v̂
   */
  constructor(private readonly tf: TF, readonly learningRate: number, readonly beta1 = 0.9, readonly beta2 = 0.999, readonly epsilon = 1e-7) {
    this.accBeta1 = Math.fround(beta1);
    this.accBeta2 = Math.fround(beta2);
    this.consts = tf.tidy(() => ({
      beta1: tf.keep(tf.scalar(beta1)),
      oneMinusBeta1: tf.keep(tf.scalar(1 - beta1)),
      beta2: tf.keep(tf.scalar(beta2)),
      oneMinusBeta2: tf.keep(tf.scalar(1 - beta2)),
      epsilon: tf.keep(tf.scalar(epsilon)),
      negLr: tf.keep(tf.scalar(-learningRate)),
    }));
  }

  /**
   * Computes the gradients of `f` with respect to `varList`, applies one Adam step, and returns
   * the cost when `returnCost` (the caller disposes it), else null.
   */
  minimize(f: () => Scalar, returnCost: boolean, varList: Variable[]): Scalar | null {
    const tf = this.tf;
    const { value, grads } = tf.variableGrads(f, varList);
    try {
      this.applyGradients(varList, grads);
    } finally {
      tf.dispose(Object.values(grads));
    }
    if (returnCost) return value;
    value.dispose();
    return null;
  }

  /** One Adam step on `vars` with gradients keyed by variable name (as `tf.variableGrads` returns). */
  applyGradients(vars: Variable[], grads: NamedTensorMap): void {
    this.tf.tidy(() => this.update(vars, flatGradient(this.tf, vars, grads)));
  }

  /**
   * One Adam step on `vars` with their gradients concatenated in `vars` order into one vector
   * (as data-parallel training averages them).
   * @throws RangeError when the vector's length is not the variables' total size.
   */
  applyFlatGradient(vars: Variable[], g: Tensor): void {
    const total = vars.reduce((a, w) => a + w.size, 0);
    if (g.size !== total) throw new RangeError(`FlatAdam: the flat gradient has ${g.size} values, the variables ${total}.`);
    this.tf.tidy(() => this.update(vars, this.tf.reshape(g, [-1])));
  }

  /** The update itself, inside the caller's tidy. */
  private update(vars: Variable[], g: Tensor): void {
    const tf = this.tf;
    const sizes = vars.map((w) => w.size);
    const { m, v, bias1, bias2 } = this.stepState(g.size);
    const c = this.consts;
    const newM = tf.add(tf.mul(m, c.beta1), tf.mul(g, c.oneMinusBeta1));
    const newV = tf.add(tf.mul(v, c.beta2), tf.mul(tf.square(g), c.oneMinusBeta2));
    const mHat = tf.div(newM, tf.scalar(bias1));
    const vHat = tf.div(newV, tf.scalar(bias2));
    const delta = tf.mul(tf.div(mHat, tf.add(tf.sqrt(vHat), c.epsilon)), c.negLr);
    const parts = tf.split(delta, sizes);
    vars.forEach((w, i) => w.assign(tf.add(tf.reshape(parts[i]!, w.shape), w) as Tensor));
    this.endStep(newM, newV);
  }

  /**
   * What the next step starts from: the flat moments (zeros for `total` values when absent or of
   * another size) and the bias corrections 1 − β1ᵗ, 1 − β2ᵗ. For this class's own update and for a
   * step computed elsewhere with the same rule (a compiled training graph), which then calls
   * {@link endStep}.
   */
  stepState(total: number): { m: Variable; v: Variable; bias1: number; bias2: number } {
    const tf = this.tf;
    if (!this.m || this.m.size !== total) {
      this.m?.dispose();
      this.v?.dispose();
      // In a tidy so the zeros the variables start from are freed, also when called outside one.
      [this.m, this.v] = tf.tidy(() => [tf.variable(tf.zeros([total]), false), tf.variable(tf.zeros([total]), false)]);
    }
    return { m: this.m, v: this.v!, bias1: 1 - this.accBeta1, bias2: 1 - this.accBeta2 };
  }

  /** Ends a step: the new moments replace the old (the variables keep them; the caller may dispose its handles) and β1ᵗ, β2ᵗ advance. */
  endStep(newM: Tensor, newV: Tensor): void {
    this.m!.assign(newM);
    this.v!.assign(newV);
    this.accBeta1 = Math.fround(this.accBeta1 * Math.fround(this.beta1));
    this.accBeta2 = Math.fround(this.accBeta2 * Math.fround(this.beta2));
  }

  /**
   * The optimizer's state, to checkpoint a training run: the flat moments (copies; `undefined`
   * before the first step) and β1ᵗ, β2ᵗ (float32 values, exact in JSON).
   */
  exportState(): FlatAdamState {
    return {
      m: this.m ? Float32Array.from(this.m.dataSync() as Float32Array) : undefined,
      v: this.v ? Float32Array.from(this.v.dataSync() as Float32Array) : undefined,
      accBeta1: this.accBeta1,
      accBeta2: this.accBeta2,
    };
  }

  /**
   * Puts back a state taken by {@link exportState} (training resumed from a checkpoint continues
   * with exactly the moments and step it had).
   * @throws RangeError when only one moment is given or they differ in length.
   */
  importState(state: FlatAdamState): void {
    if ((state.m === undefined) !== (state.v === undefined) || (state.m && state.m.length !== state.v!.length)) {
      throw new RangeError('FlatAdam.importState: m and v must both be given, with the same length.');
    }
    this.m?.dispose();
    this.v?.dispose();
    this.m = undefined;
    this.v = undefined;
    if (state.m && state.v) {
      const tf = this.tf;
      [this.m, this.v] = tf.tidy(() => [tf.variable(tf.tensor1d(state.m!), false), tf.variable(tf.tensor1d(state.v!), false)]);
    }
    this.accBeta1 = state.accBeta1;
    this.accBeta2 = state.accBeta2;
  }

  /** Frees the moments and constants. */
  dispose(): void {
    this.m?.dispose();
    this.v?.dispose();
    this.m = undefined;
    this.v = undefined;
    this.tf.dispose(Object.values(this.consts));
  }
}

/** What {@link FlatAdam.exportState} returns and {@link FlatAdam.importState} takes. */
export interface FlatAdamState {
  readonly m: Float32Array | undefined;
  readonly v: Float32Array | undefined;
  /** β1ᵗ, β2ᵗ after the steps taken (float32 values). */
  readonly accBeta1: number;
  readonly accBeta2: number;
}

/**
 * The gradients of `vars` (keyed by variable name, as `tf.variableGrads` returns them) concatenated
 * in `vars` order into one vector: FlatAdam's layout, in which data-parallel training averages them.
 * @throws Error naming a variable without a gradient.
 */
export function flatGradient(tf: TF, vars: readonly Variable[], grads: NamedTensorMap): Tensor {
  return tf.tidy(() => tf.concat(vars.map((w) => {
    const gw = grads[w.name];
    if (!gw) throw new Error(`FlatAdam: no gradient for variable '${w.name}'.`);
    return tf.reshape(gw, [-1]);
  })));
}
