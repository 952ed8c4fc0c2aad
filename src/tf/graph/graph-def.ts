import { ProtoWriter } from './proto.js';

/**
 * A TensorFlow graph written from TypeScript: nodes (an op type, its inputs, its attributes)
 * encoded as a `GraphDef`, wrapped into a `SavedModel` with named signatures, which TensorFlow's
 * C library loads into a session (tfjs-node's `loadSavedModel`). Used to run a whole training step
 * as one graph (see src/models/compiled-step.ts) instead of ≈150 eager ops.
 *
 * Field numbers are those of TensorFlow 2.15's protos (tensorflow/core/framework/{graph,node_def,
 * attr_value,tensor,tensor_shape,types}.proto, tensorflow/core/protobuf/{saved_model,meta_graph}.proto).
 */

/** The element types used here (TensorFlow's `DataType` enum values). */
export const DTYPE = { float32: 1, int32: 3 } as const;
export type GraphDType = keyof typeof DTYPE;

/** `GraphDef.versions.producer` of TensorFlow 2.15 (what its own SavedModels record). */
const GRAPH_PRODUCER = 1645;
const GRAPH_MIN_CONSUMER = 12;

/** An attribute value: writes the fields of one `AttrValue` message. */
export type Attr = (w: ProtoWriter) => void;

function writeShape(w: ProtoWriter, dims: readonly number[] | null): void {
  if (dims === null) {
    w.bool(3, true); // unknown_rank
    return;
  }
  for (const d of dims) w.message(2, (dim) => dim.int(1, d));
}

/** Constructors of {@link Attr}s by kind. */
export const attr = {
  type: (t: GraphDType): Attr => (w) => w.int(6, DTYPE[t]),
  string: (s: string): Attr => (w) => w.string(2, s),
  int: (i: number): Attr => (w) => w.int(3, i),
  float: (f: number): Attr => (w) => w.float(4, f),
  bool: (b: boolean): Attr => (w) => w.bool(5, b),
  /** A shape; -1 for an unknown dimension, `null` for an unknown rank. */
  shape: (dims: readonly number[] | null): Attr => (w) => w.message(7, (s) => writeShape(s, dims)),
  ints: (values: readonly number[]): Attr => (w) => w.message(1, (list) => { if (values.length) list.packedInts(3, values); }),
  tensor: (dtype: GraphDType, dims: readonly number[], values: ArrayLike<number>): Attr => (w) =>
    w.message(8, (t) => {
      t.int(1, DTYPE[dtype]);
      t.message(2, (s) => writeShape(s, dims));
      if (dtype === 'float32') t.packedFloats(5, values);
      else t.packedInts(7, Array.from(values));
    }),
};

/** A tensor a signature exposes: the node output (`name:index`), its type and shape (-1: any size). */
export interface TensorRef {
  readonly output: string;
  readonly dtype: GraphDType;
  readonly shape: readonly number[] | null;
}

/** A named function of the graph: inputs (placeholders) and outputs, each by key. */
export interface Signature {
  readonly inputs: Readonly<Record<string, TensorRef>>;
  readonly outputs: Readonly<Record<string, TensorRef>>;
}

/**
 * Builds a graph node by node. `op` returns the node's name, which is also the reference to its
 * first output (`name:1` … for the others), as TensorFlow's GraphDef inputs are written.
 */
export class GraphBuilder {
  private readonly nodes: Uint8Array[] = [];
  private readonly names = new Set<string>();
  private counter = 0;

  /**
   * Adds a node of op `type` with `inputs` (node outputs) and `attrs`; the name is `type_k` unless given.
   * @throws Error for a name used twice or an input that names no earlier node.
   */
  op(type: string, inputs: readonly string[], attrs: Readonly<Record<string, Attr>> = {}, name?: string): string {
    const nodeName = name ?? `${type}_${this.counter++}`;
    if (this.names.has(nodeName)) throw new Error(`GraphBuilder: node name '${nodeName}' is used twice.`);
    for (const input of inputs) {
      const source = input.replace(/:\d+$/, '');
      if (!this.names.has(source)) throw new Error(`GraphBuilder: input '${input}' of '${nodeName}' names no earlier node.`);
    }
    this.names.add(nodeName);
    const w = new ProtoWriter().string(1, nodeName).string(2, type);
    for (const input of inputs) w.string(3, input);
    for (const [key, value] of Object.entries(attrs)) {
      w.message(5, (entry) => entry.string(1, key).message(2, value));
    }
    this.nodes.push(w.finish());
    return nodeName;
  }

  /** A float32/int32 input fed at run time. */
  placeholder(name: string, dtype: GraphDType, shape: readonly number[] | null): TensorRef {
    const output = this.op('Placeholder', [], { dtype: attr.type(dtype), shape: attr.shape(shape) }, name);
    return { output, dtype, shape };
  }

  /** A constant tensor. */
  constant(dtype: GraphDType, dims: readonly number[], values: ArrayLike<number>): string {
    return this.op('Const', [], { dtype: attr.type(dtype), value: attr.tensor(dtype, dims, values) });
  }

  /** A float32 scalar constant. */
  scalar(value: number): string {
    return this.constant('float32', [], [value]);
  }

  /** The encoded `GraphDef`. */
  graphDef(): Uint8Array {
    const w = new ProtoWriter();
    for (const node of this.nodes) w.bytes(1, node);
    w.message(4, (v) => v.int(1, GRAPH_PRODUCER).int(2, GRAPH_MIN_CONSUMER));
    return w.finish();
  }

  /**
   * The encoded `SavedModel` (saved_model.pb) of this graph with `signatures`, under `tags`.
   * It has no variables: state goes in and out through the signatures.
   */
  savedModel(signatures: Readonly<Record<string, Signature>>, tags: readonly string[] = ['serve']): Uint8Array {
    const tensorInfo = (t: TensorRef): Attr => (w) => {
      w.string(1, t.output.includes(':') ? t.output : `${t.output}:0`);
      w.int(2, DTYPE[t.dtype]);
      w.message(3, (s) => writeShape(s, t.shape));
    };
    const graph = this.graphDef();
    return new ProtoWriter()
      .int(1, 1) // saved_model_schema_version
      .message(2, (meta) => {
        meta.message(1, (info) => {
          for (const tag of tags) info.string(4, tag);
          info.string(5, '2.15.1'); // tensorflow_version
          info.bool(7, true); // stripped_default_attrs: the loader fills in attributes left at their defaults
        });
        meta.bytes(2, graph);
        for (const [key, sig] of Object.entries(signatures)) {
          meta.message(5, (entry) => entry.string(1, key).message(2, (s) => {
            for (const [k, t] of Object.entries(sig.inputs)) s.message(1, (e) => e.string(1, k).message(2, tensorInfo(t)));
            for (const [k, t] of Object.entries(sig.outputs)) s.message(2, (e) => e.string(1, k).message(2, tensorInfo(t)));
            s.string(3, 'tensorflow/serving/predict');
          }));
        }
      })
      .finish();
  }
}
