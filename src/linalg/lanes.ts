/**
 * Row products in eight lanes, for searches whose compiled twin must find the same answer bit for
 * bit (NN-descent: src/manifold/nndescent.ts, compiled in native/src/nndescent.c).
 *
 * Element j of a row goes to lane j mod 8; the lanes are float64 sums added as
 * ((0+1)+(2+3))+((4+5)+(6+7)). Why lanes: eight independent chains run several times faster than
 * one sequential sum here (the add latency, not memory, bounds a sequential one), and the C twin
 * (native/src/lanes.h, the floor's native engine for these products) vectorises exactly these
 * chains without reassociating anything (-ffp-contract=off, no -ffast-math). Both engines therefore
 * add in the same fixed order and give identical distances, hence identical kNN graphs.
 *
 * The squared distance is formed from the differences of the two rows, never as ‖a‖² − 2a·b + ‖b‖²,
 * so it does not depend on where the data sits (float32 rows, float64 sums: exact differences).
 *
 * Keep the argument shapes fixed (a Float32Array of rows, integer offsets, a Float64Array normal):
 * NN-descent calls these hundreds of millions of times and relies on V8 inlining them
 * monomorphically; do not widen them to `ArrayLike<number>` (that is what
 * {@link squaredDistance} in center.ts is for).
 * @module
 */

/**
 * ‖a − b‖² of two rows of `data` (starting at offsets `ao` and `bo`, `dim` long), from the
 * differences, summed in eight float64 lanes in the order described in the module comment.
 * @example laneSquaredDistance(Float32Array.of(1, 2, 4, 6), 0, 2, 2) // 9 + 16 = 25
 */
export function laneSquaredDistance(data: Float32Array, ao: number, bo: number, dim: number): number {
  let a0 = 0, a1 = 0, a2 = 0, a3 = 0, a4 = 0, a5 = 0, a6 = 0, a7 = 0;
  let j = 0;
  for (; j + 8 <= dim; j += 8) {
    const t0 = data[ao + j]! - data[bo + j]!, t1 = data[ao + j + 1]! - data[bo + j + 1]!;
    const t2 = data[ao + j + 2]! - data[bo + j + 2]!, t3 = data[ao + j + 3]! - data[bo + j + 3]!;
    const t4 = data[ao + j + 4]! - data[bo + j + 4]!, t5 = data[ao + j + 5]! - data[bo + j + 5]!;
    const t6 = data[ao + j + 6]! - data[bo + j + 6]!, t7 = data[ao + j + 7]! - data[bo + j + 7]!;
    a0 += t0 * t0; a1 += t1 * t1; a2 += t2 * t2; a3 += t3 * t3; a4 += t4 * t4; a5 += t5 * t5; a6 += t6 * t6; a7 += t7 * t7;
  }
  if (j === dim) return ((a0 + a1) + (a2 + a3)) + ((a4 + a5) + (a6 + a7));
  // A partial last block (dim not a multiple of 8): element j still goes to lane j mod 8.
  const acc = [a0, a1, a2, a3, a4, a5, a6, a7];
  for (let l = 0; j < dim; j++, l++) {
    const t = data[ao + j]! - data[bo + j]!;
    acc[l]! += t * t;
  }
  return lanesTotal(acc);
}

/**
 * Σ_j normal[j] · data[o + j] over one `dim`-long row of `data`, in the lanes of
 * {@link laneSquaredDistance} (the side of a row relative to a {@link bisector}).
 * @example laneDot(Float64Array.of(1, -1), Float32Array.of(3, 5), 0, 2) // -2
 */
export function laneDot(normal: Float64Array, data: Float32Array, o: number, dim: number): number {
  let a0 = 0, a1 = 0, a2 = 0, a3 = 0, a4 = 0, a5 = 0, a6 = 0, a7 = 0;
  let j = 0;
  for (; j + 8 <= dim; j += 8) {
    a0 += normal[j]! * data[o + j]!; a1 += normal[j + 1]! * data[o + j + 1]!;
    a2 += normal[j + 2]! * data[o + j + 2]!; a3 += normal[j + 3]! * data[o + j + 3]!;
    a4 += normal[j + 4]! * data[o + j + 4]!; a5 += normal[j + 5]! * data[o + j + 5]!;
    a6 += normal[j + 6]! * data[o + j + 6]!; a7 += normal[j + 7]! * data[o + j + 7]!;
  }
  if (j === dim) return ((a0 + a1) + (a2 + a3)) + ((a4 + a5) + (a6 + a7));
  const acc = [a0, a1, a2, a3, a4, a5, a6, a7];
  for (let l = 0; j < dim; j++, l++) acc[l]! += normal[j]! * data[o + j]!;
  return lanesTotal(acc);
}

/**
 * The perpendicular bisector of rows a and b of `data` (offsets `ao`, `bo`): writes its normal
 * a − b into `normal` (float64, `dim` long) and returns its offset −normal · (a + b) / 2, summed
 * sequentially (one pass per split, not a hot loop), so that a row x lies on a's side when
 * `offset + laneDot(normal, data, xo, dim) > 0`.
 * @example const n = new Float64Array(1); bisector(Float32Array.of(4, 2), 0, 1, 1, n) // -6 (n = [2]: x > 3 is a's side)
 */
export function bisector(data: Float32Array, ao: number, bo: number, dim: number, normal: Float64Array): number {
  let offset = 0;
  for (let j = 0; j < dim; j++) {
    const va = data[ao + j]!, vb = data[bo + j]!;
    normal[j] = va - vb;
    offset -= normal[j]! * (va + vb) / 2;
  }
  return offset;
}

/** The lanes combined (the partial-block path of {@link laneSquaredDistance} and {@link laneDot}). */
function lanesTotal(acc: number[]): number {
  return ((acc[0]! + acc[1]!) + (acc[2]! + acc[3]!)) + ((acc[4]! + acc[5]!) + (acc[6]! + acc[7]!));
}
