/*
 * fmnist_native: the compiled kernels of fmnist-cluster, as a Node-API addon (ABI-stable across
 * Node versions). Loaded by src/native/index.ts; every kernel has a TypeScript twin that is used
 * when this addon is not built, and the tests check that both give the same bits.
 */
#include <node_api.h>
#include <stdint.h>
#include <stdio.h>
#include "lanczos.h"
#include "umap_sgd.h"
#include "nndescent.h"
#include "interrupt.h"

#define CHECK(call)                                                          \
  do {                                                                       \
    if ((call) != napi_ok) {                                                 \
      napi_throw_error(env, NULL, "fmnist_native: N-API call failed: " #call); \
      return NULL;                                                           \
    }                                                                        \
  } while (0)

static int typed(napi_env env, napi_value v, napi_typedarray_type want, void **data, size_t *length, const char *fn,
                 const char *name) {
  napi_typedarray_type type;
  napi_value buffer;
  size_t offset;
  bool is;
  char msg[160];
  if (napi_is_typedarray(env, v, &is) != napi_ok || !is ||
      napi_get_typedarray_info(env, v, &type, length, data, &buffer, &offset) != napi_ok || type != want) {
    snprintf(msg, sizeof msg, "fmnist_native.%s: %s has the wrong type", fn, name);
    napi_throw_type_error(env, NULL, msg);
    return 0;
  }
  return 1;
}

static int number(napi_env env, napi_value v, double *out, const char *fn, const char *name) {
  char msg[160];
  if (napi_get_value_double(env, v, out) != napi_ok) {
    snprintf(msg, sizeof msg, "fmnist_native.%s: %s must be a number", fn, name);
    napi_throw_type_error(env, NULL, msg);
    return 0;
  }
  return 1;
}

/* A count or length: an integer in [0, 2^31), so that products of two fit in 64 bits. */
static int size(napi_env env, napi_value v, int64_t *out, const char *fn, const char *name) {
  double d;
  char msg[160];
  if (!number(env, v, &d, fn, name)) return 0;
  if (!(d >= 0 && d < 2147483648.0 && d == (double)(int64_t)d)) {
    snprintf(msg, sizeof msg, "fmnist_native.%s: %s must be an integer in [0, 2^31)", fn, name);
    napi_throw_range_error(env, NULL, msg);
    return 0;
  }
  *out = (int64_t)d;
  return 1;
}

static napi_value range_error(napi_env env, const char *fn, const char *what) {
  char msg[200];
  snprintf(msg, sizeof msg, "fmnist_native.%s: %s", fn, what);
  napi_throw_range_error(env, NULL, msg);
  return NULL;
}

/* Whether the double ranges [a, a + na) and [b, b + nb) share no element. */
static int disjoint(const double *a, size_t na, const double *b, size_t nb) {
  return na == 0 || nb == 0 || a + na <= b || b + nb <= a;
}

/* Reads exactly `want` arguments into argv, or throws. */
static int args(napi_env env, napi_callback_info info, size_t want, napi_value *argv, const char *fn) {
  size_t argc = want;
  char msg[160];
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc != want) {
    snprintf(msg, sizeof msg, "fmnist_native.%s expects %zu arguments", fn, want);
    napi_throw_type_error(env, NULL, msg);
    return 0;
  }
  return 1;
}

/*
 * umapSgdEpoch(head, tail, snapshot, dim, edgeHead, edgeTail, epochsPerSample, epochsPerNegative,
 *              nextSample, nextNegative, blockStart, states, nVertices, epoch, alpha, a, b, gamma,
 *              moveOther, threads)
 * Updates head/tail, nextSample/nextNegative and states in place. Edge endpoints are checked by the
 * caller (once per fit); array lengths and the block table are checked here.
 */
#define NARGS 20
#define SGD "umapSgdEpoch"
static napi_value UmapSgdEpochJs(napi_env env, napi_callback_info info) {
  napi_value argv[NARGS];
  if (!args(env, info, NARGS, argv, SGD)) return NULL;
  UmapSgdEpoch p;
  size_t nHead, nTail, nSnap, nEh, nEt, nEps, nEpsNeg, nNext, nNextNeg, nBlockStart, nStates;
  double dim, nVertices, alpha, moveOther, threads;
  float *snapshot;
  int32_t *blockStart;
  if (!typed(env, argv[0], napi_float32_array, (void **)&p.head, &nHead, SGD, "head") ||
      !typed(env, argv[1], napi_float32_array, (void **)&p.tail, &nTail, SGD, "tail") ||
      !typed(env, argv[2], napi_float32_array, (void **)&snapshot, &nSnap, SGD, "snapshot") ||
      !number(env, argv[3], &dim, SGD, "dim") ||
      !typed(env, argv[4], napi_int32_array, (void **)&p.edge_head, &nEh, SGD, "edgeHead") ||
      !typed(env, argv[5], napi_int32_array, (void **)&p.edge_tail, &nEt, SGD, "edgeTail") ||
      !typed(env, argv[6], napi_float64_array, (void **)&p.epochs_per_sample, &nEps, SGD, "epochsPerSample") ||
      !typed(env, argv[7], napi_float64_array, (void **)&p.epochs_per_negative, &nEpsNeg, SGD, "epochsPerNegative") ||
      !typed(env, argv[8], napi_float64_array, (void **)&p.next_sample, &nNext, SGD, "nextSample") ||
      !typed(env, argv[9], napi_float64_array, (void **)&p.next_negative, &nNextNeg, SGD, "nextNegative") ||
      !typed(env, argv[10], napi_int32_array, (void **)&blockStart, &nBlockStart, SGD, "blockStart") ||
      !typed(env, argv[11], napi_uint32_array, (void **)&p.states, &nStates, SGD, "states") ||
      !number(env, argv[12], &nVertices, SGD, "nVertices") || !number(env, argv[13], &p.epoch, SGD, "epoch") ||
      !number(env, argv[14], &alpha, SGD, "alpha") || !number(env, argv[15], &p.a, SGD, "a") ||
      !number(env, argv[16], &p.b, SGD, "b") || !number(env, argv[17], &p.gamma, SGD, "gamma") ||
      !number(env, argv[18], &moveOther, SGD, "moveOther") || !number(env, argv[19], &threads, SGD, "threads")) {
    return NULL;
  }
  int ok = dim >= 1 && nEh == nEt && nEh == nEps && nEh == nEpsNeg && nEh == nNext && nEh == nNextNeg &&
           nHead % (size_t)dim == 0 && nVertices >= 1 && nTail >= (size_t)nVertices * (size_t)dim &&
           nSnap >= (size_t)nVertices * (size_t)dim && nBlockStart >= 2 && nStates == nBlockStart - 1 &&
           blockStart[0] == 0 && (size_t)blockStart[nBlockStart - 1] == nEh;
  for (size_t i = 1; ok && i < nBlockStart; i++) ok = blockStart[i] >= blockStart[i - 1];
  if (!ok) {
    napi_throw_range_error(env, NULL, "fmnist_native.umapSgdEpoch: inconsistent array lengths or block table");
    return NULL;
  }
  p.snapshot = snapshot;
  p.dim = (int)dim;
  p.block_start = blockStart;
  p.n_blocks = (int)nBlockStart - 2;
  p.n_vertices = nVertices;
  p.alpha = (float)alpha;
  p.move_other = moveOther != 0;
  umap_sgd_epoch(&p, (int)threads);
  return NULL;
}

/* The arguments shared by nndInit and nndRound, checked: lengths, and heap indices inside [-1, n). */
static int nnd_state(napi_env env, napi_value *argv, int withCandidates, NndState *s, const char *fn) {
  size_t nData, nHd, nHi, nHf, nIdx, nNormal, nRng, nNewC, nOldC, nNewP, nOldP, nNewN, nOldN;
  double n, dim, m, maxC = 1;
  float *data;
  int a = 0;
  if (!typed(env, argv[a++], napi_float32_array, (void **)&data, &nData, fn, "data") ||
      !number(env, argv[a++], &n, fn, "n") || !number(env, argv[a++], &dim, fn, "dim") || !number(env, argv[a++], &m, fn, "m") ||
      (withCandidates && !number(env, argv[a++], &maxC, fn, "maxC")) ||
      !typed(env, argv[a++], napi_float32_array, (void **)&s->hd, &nHd, fn, "hd") ||
      !typed(env, argv[a++], napi_int32_array, (void **)&s->hi, &nHi, fn, "hi") ||
      !typed(env, argv[a++], napi_uint8_array, (void **)&s->hf, &nHf, fn, "hf")) {
    return 0;
  }
  if (withCandidates) {
    if (!typed(env, argv[a++], napi_int32_array, (void **)&s->new_c, &nNewC, fn, "newC") ||
        !typed(env, argv[a++], napi_int32_array, (void **)&s->old_c, &nOldC, fn, "oldC") ||
        !typed(env, argv[a++], napi_float32_array, (void **)&s->new_p, &nNewP, fn, "newP") ||
        !typed(env, argv[a++], napi_float32_array, (void **)&s->old_p, &nOldP, fn, "oldP") ||
        !typed(env, argv[a++], napi_int32_array, (void **)&s->new_n, &nNewN, fn, "newN") ||
        !typed(env, argv[a++], napi_int32_array, (void **)&s->old_n, &nOldN, fn, "oldN")) {
      return 0;
    }
  } else if (!typed(env, argv[a++], napi_int32_array, (void **)&s->idx, &nIdx, fn, "idx") ||
             !typed(env, argv[a++], napi_float64_array, (void **)&s->normal, &nNormal, fn, "normal")) {
    return 0;
  }
  if (!typed(env, argv[withCandidates ? 14 : 11], napi_uint32_array, (void **)&s->rng, &nRng, fn, "rng")) return 0;
  const size_t N = (size_t)n, D = (size_t)dim, M = (size_t)m, C = (size_t)maxC;
  int ok = n >= 1 && dim >= 1 && m >= 1 && maxC >= 1 && n < 2147483647.0 && nData == N * D && nHd == N * M &&
           nHi == N * M && nHf == N * M && nRng == 4;
  if (ok && withCandidates) ok = nNewC == N * C && nOldC == N * C && nNewP == N * C && nOldP == N * C && nNewN == N && nOldN == N;
  if (ok && !withCandidates) ok = nIdx == N && nNormal == D;
  for (size_t e = 0; ok && e < N * M; e++) ok = s->hi[e] >= -1 && (size_t)(s->hi[e] + 1) <= N;
  if (!ok) {
    napi_throw_range_error(env, NULL, "fmnist_native NN-descent: inconsistent array lengths or neighbour indices");
    return 0;
  }
  s->data = data;
  s->n = (int)n; s->dim = (int)dim; s->m = (int)m; s->max_c = (int)maxC;
  return 1;
}

/* nndInit(data, n, dim, m, hd, hi, hf, idx, normal, nTrees, leafSize, rng) */
static napi_value NndInitJs(napi_env env, napi_callback_info info) {
  napi_value argv[12];
  if (!args(env, info, 12, argv, "nndInit")) return NULL;
  NndState s = {0};
  double nTrees, leafSize;
  if (!nnd_state(env, argv, 0, &s, "nndInit") || !number(env, argv[9], &nTrees, "nndInit", "nTrees") || !number(env, argv[10], &leafSize, "nndInit", "leafSize")) return NULL;
  if (nnd_init(&s, (int)nTrees, (int)leafSize) != 0) { napi_throw_error(env, NULL, "fmnist_native.nndInit: out of memory"); return NULL; }
  return NULL;
}

/* nndRound(data, n, dim, m, maxC, hd, hi, hf, newC, oldC, newP, oldP, newN, oldN, rng) → updates */
static napi_value NndRoundJs(napi_env env, napi_callback_info info) {
  napi_value argv[15];
  if (!args(env, info, 15, argv, "nndRound")) return NULL;
  NndState s = {0};
  if (!nnd_state(env, argv, 1, &s, "nndRound")) return NULL;
  napi_value result;
  CHECK(napi_create_double(env, (double)nnd_round(&s), &result));
  return result;
}

/* csrScaledMatvec(indptr, indices, values, rowScale, x, y): y = diag(rowScale) A x (lanczos.h). */
static napi_value CsrScaledMatvecJs(napi_env env, napi_callback_info info) {
  static const char *FN = "csrScaledMatvec";
  napi_value argv[6];
  int32_t *indptr, *indices;
  double *values, *rowScale, *x, *y;
  size_t nIndptr, nIndices, nValues, n, nX, nY;
  if (!args(env, info, 6, argv, FN) ||
      !typed(env, argv[0], napi_int32_array, (void **)&indptr, &nIndptr, FN, "indptr") ||
      !typed(env, argv[1], napi_int32_array, (void **)&indices, &nIndices, FN, "indices") ||
      !typed(env, argv[2], napi_float64_array, (void **)&values, &nValues, FN, "values") ||
      !typed(env, argv[3], napi_float64_array, (void **)&rowScale, &n, FN, "rowScale") ||
      !typed(env, argv[4], napi_float64_array, (void **)&x, &nX, FN, "x") ||
      !typed(env, argv[5], napi_float64_array, (void **)&y, &nY, FN, "y")) {
    return NULL;
  }
  if (nIndptr != n + 1 || nX != n || nY != n || nIndices != nValues || n >= 2147483648u) {
    return range_error(env, FN, "inconsistent array lengths (indptr n + 1, x, y and rowScale n, indices and values alike)");
  }
  if (!disjoint(x, nX, y, nY)) return range_error(env, FN, "x and y overlap");
  int ok = indptr[0] == 0 && (size_t)indptr[n] <= nIndices;
  for (size_t i = 0; ok && i < n; i++) ok = indptr[i + 1] >= indptr[i];
  if (!ok) return range_error(env, FN, "indptr must rise from 0 to at most the number of values");
  if (lanczos_csr_scaled_matvec((int64_t)n, indptr, indices, values, rowScale, x, y) != 0) {
    return range_error(env, FN, "a column index is outside [0, n)");
  }
  return NULL;
}

/* reorthogonalize(basis, n, count, w, h) -> squared norm of w afterwards (lanczos.h). */
static napi_value ReorthogonalizeJs(napi_env env, napi_callback_info info) {
  static const char *FN = "reorthogonalize";
  napi_value argv[5];
  double *basis, *w, *h;
  size_t nBasis, nW, nH;
  int64_t n, count;
  if (!args(env, info, 5, argv, FN) ||
      !typed(env, argv[0], napi_float64_array, (void **)&basis, &nBasis, FN, "basis") ||
      !size(env, argv[1], &n, FN, "n") || !size(env, argv[2], &count, FN, "count") ||
      !typed(env, argv[3], napi_float64_array, (void **)&w, &nW, FN, "w") ||
      !typed(env, argv[4], napi_float64_array, (void **)&h, &nH, FN, "h")) {
    return NULL;
  }
  const size_t used = (size_t)(count * n);
  if (nBasis < used || nW != (size_t)n || nH < (size_t)count) {
    return range_error(env, FN, "inconsistent array lengths (basis count * n, w n, h count)");
  }
  if (!disjoint(w, nW, basis, used) || !disjoint(h, (size_t)count, basis, used) || !disjoint(h, (size_t)count, w, nW)) {
    return range_error(env, FN, "w, h and the basis vectors used overlap");
  }
  napi_value out;
  CHECK(napi_create_double(env, lanczos_reorthogonalize(basis, n, count, w, h), &out));
  return out;
}

/* ritzVectors(basis, n, m, Y, cols, out): out vector c = basis * Y[:, cols[c]] (lanczos.h). */
static napi_value RitzVectorsJs(napi_env env, napi_callback_info info) {
  static const char *FN = "ritzVectors";
  napi_value argv[6];
  double *basis, *Y, *out;
  int32_t *cols;
  size_t nBasis, nY, nCols, nOut;
  int64_t n, m;
  if (!args(env, info, 6, argv, FN) ||
      !typed(env, argv[0], napi_float64_array, (void **)&basis, &nBasis, FN, "basis") ||
      !size(env, argv[1], &n, FN, "n") || !size(env, argv[2], &m, FN, "m") ||
      !typed(env, argv[3], napi_float64_array, (void **)&Y, &nY, FN, "Y") ||
      !typed(env, argv[4], napi_int32_array, (void **)&cols, &nCols, FN, "cols") ||
      !typed(env, argv[5], napi_float64_array, (void **)&out, &nOut, FN, "out")) {
    return NULL;
  }
  const size_t used = (size_t)(m * n), written = nCols * (size_t)n;
  if (nBasis < used || nY < (size_t)(m * m) || nCols >= 2147483648u || nOut < written) {
    return range_error(env, FN, "inconsistent array lengths (basis m * n, Y m * m, out cols * n)");
  }
  for (size_t c = 0; c < nCols; c++) {
    if (cols[c] < 0 || cols[c] >= m) return range_error(env, FN, "a column of Y is outside [0, m)");
  }
  if (!disjoint(out, written, basis, used) || !disjoint(out, written, Y, (size_t)(m * m))) {
    return range_error(env, FN, "out overlaps the basis or Y");
  }
  lanczos_ritz_vectors(basis, n, m, Y, cols, (int64_t)nCols, out);
  return NULL;
}

static napi_value Init(napi_env env, napi_value exports) {
  napi_value fn;
  CHECK(napi_create_function(env, "umapSgdEpoch", NAPI_AUTO_LENGTH, UmapSgdEpochJs, NULL, &fn));
  CHECK(napi_set_named_property(env, exports, "umapSgdEpoch", fn));
  CHECK(napi_create_function(env, "nndInit", NAPI_AUTO_LENGTH, NndInitJs, NULL, &fn));
  CHECK(napi_set_named_property(env, exports, "nndInit", fn));
  CHECK(napi_create_function(env, "nndRound", NAPI_AUTO_LENGTH, NndRoundJs, NULL, &fn));
  CHECK(napi_set_named_property(env, exports, "nndRound", fn));
  CHECK(napi_create_function(env, "csrScaledMatvec", NAPI_AUTO_LENGTH, CsrScaledMatvecJs, NULL, &fn));
  CHECK(napi_set_named_property(env, exports, "csrScaledMatvec", fn));
  CHECK(napi_create_function(env, "reorthogonalize", NAPI_AUTO_LENGTH, ReorthogonalizeJs, NULL, &fn));
  CHECK(napi_set_named_property(env, exports, "reorthogonalize", fn));
  CHECK(napi_create_function(env, "ritzVectors", NAPI_AUTO_LENGTH, RitzVectorsJs, NULL, &fn));
  CHECK(napi_set_named_property(env, exports, "ritzVectors", fn));
  if (!fmnist_register_interrupt(env, exports)) {
    napi_throw_error(env, NULL, "fmnist_native: registering the interrupt functions failed");
    return NULL;
  }
  napi_value version;
  CHECK(napi_create_uint32(env, 5, &version));
  CHECK(napi_set_named_property(env, exports, "abiVersion", version));
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, Init)
