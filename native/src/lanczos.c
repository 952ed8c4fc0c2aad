/*
 * The Lanczos loops of the compute floor, compiled (their TypeScript twin: src/linalg/lanczos.ts):
 * every sum runs in the TypeScript order (sequential, in double, no fused multiply-add:
 * -ffp-contract=off), so that both engines give the same spectral embedding bit for bit.
 */
#include "lanczos.h"

int lanczos_csr_scaled_matvec(int64_t n, const int32_t *indptr, const int32_t *indices, const double *values,
                              const double *row_scale, const double *x, double *y) {
  for (int64_t i = 0; i < n; i++) {
    const int32_t end = indptr[i + 1];
    double s = 0;
    for (int32_t e = indptr[i]; e < end; e++) {
      const int32_t j = indices[e];
      if ((uint64_t)(uint32_t)j >= (uint64_t)n) return -1;
      s += values[e] * x[j];
    }
    y[i] = s * row_scale[i];
  }
  return 0;
}

/*
 * The subtraction of each projection shares its sweep over w with the next inner product (the
 * last one with the squared norm): half the memory traffic of separate loops, and the same
 * operations on every element. The inner products are sequential sums, so their add latency, not
 * memory, bounds this loop.
 */
/*
 * w -= c * prev (skipped while prev is null), then the sum of v[e] * w[e] over the updated w, in
 * one sweep. With v = w the sum is the squared norm: v[e] is read after w[e] is written.
 */
static double subtract_then_dot(const double *prev, double c, double *w, const double *v, int64_t n) {
  double s = 0;
  if (!prev) {
    for (int64_t e = 0; e < n; e++) s += v[e] * w[e];
    return s;
  }
  const double alpha = -c;
  for (int64_t e = 0; e < n; e++) {
    const double we = w[e] + alpha * prev[e];
    w[e] = we;
    s += v[e] * we;
  }
  return s;
}

double lanczos_reorthogonalize(const double *basis, int64_t n, int64_t count, double *w, double *h) {
  const double *prev = 0; /* the vector whose projection c is still to be subtracted */
  double c = 0;
  for (int64_t step = 0; step < 2 * count; step++) {
    const int64_t i = step % count;
    const double *v = basis + i * n;
    c = subtract_then_dot(prev, c, w, v, n);
    h[i] += c;
    prev = v;
  }
  return subtract_then_dot(prev, c, w, w, n);
}

/* Rows per block: the block of every basis and output vector stays in L2 (4 KB each, ~220 KB at m = 33). */
#define RITZ_BLOCK 512

/*
 * Block by block over the n rows, so that each basis vector is read from memory once rather than
 * once per output vector; each output element still adds its terms in order of i.
 */
void lanczos_ritz_vectors(const double *basis, int64_t n, int64_t m, const double *Y, const int32_t *cols,
                          int64_t n_cols, double *out) {
  for (int64_t e0 = 0; e0 < n; e0 += RITZ_BLOCK) {
    const int64_t len = n - e0 < RITZ_BLOCK ? n - e0 : RITZ_BLOCK;
    for (int64_t c = 0; c < n_cols; c++) {
      double *o = out + c * n + e0;
      for (int64_t e = 0; e < len; e++) o[e] = 0;
      for (int64_t i = 0; i < m; i++) {
        const double y = Y[i * m + cols[c]];
        if (y == 0) continue;
        const double *v = basis + i * n + e0;
        for (int64_t e = 0; e < len; e++) o[e] += y * v[e];
      }
    }
  }
}
