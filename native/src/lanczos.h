#ifndef FMNIST_LANCZOS_H
#define FMNIST_LANCZOS_H
#include <stdint.h>

/*
 * The hot loops of the Lanczos iteration of UMAP's spectral initialisation, compiled twins of
 * src/manifold/lanczos.ts (same operations in the same order). A basis is a flat array of
 * vectors of length n, vector i at [i*n, (i+1)*n). Array lengths and indptr are checked by the
 * caller (addon.c); the column indices by csr_scaled_matvec, in its loop.
 */

/*
 * y[i] = (sum over e in [indptr[i], indptr[i+1]) of values[e] * x[indices[e]]) * row_scale[i].
 * indptr has n + 1 non-decreasing entries from 0 to at most the number of values. Returns 0, or
 * -1 (y then partly written) when a column index is outside [0, n).
 */
int lanczos_csr_scaled_matvec(int64_t n, const int32_t *indptr, const int32_t *indices, const double *values,
                              const double *row_scale, const double *x, double *y);

/*
 * Removes from w (length n) its components along basis vectors 0..count-1, twice over
 * (Gram-Schmidt, each projection from the w left by the previous one), adding the projections to
 * h[0..count-1]. Returns the squared norm of the result.
 */
double lanczos_reorthogonalize(const double *basis, int64_t n, int64_t count, double *w, double *h);

/*
 * out vector c (c < n_cols) = sum over i < m, in order, of Y[i*m + cols[c]] * basis vector i,
 * starting from zero and skipping zero coefficients. cols[c] must be in [0, m).
 */
void lanczos_ritz_vectors(const double *basis, int64_t n, int64_t m, const double *Y, const int32_t *cols,
                          int64_t n_cols, double *out);
#endif
