/*
 * fmnist_native: the compiled kernels of fmnist-cluster, as a Node-API addon (ABI-stable across
 * Node versions). Loaded by src/native/index.ts; every kernel has a TypeScript twin that is used
 * when this addon is not built, and the tests check that both give the same bits.
 */
#include <node_api.h>
#include <stdint.h>
#include <stdio.h>
#include "umap_sgd.h"
#include "nndescent.h"

#define CHECK(call)                                                          \
  do {                                                                       \
    if ((call) != napi_ok) {                                                 \
      napi_throw_error(env, NULL, "fmnist_native: N-API call failed: " #call); \
      return NULL;                                                           \
    }                                                                        \
  } while (0)

static int typed(napi_env env, napi_value v, napi_typedarray_type want, void **data, size_t *length, const char *name) {
  napi_typedarray_type type;
  napi_value buffer;
  size_t offset;
  bool is;
  char msg[160];
  if (napi_is_typedarray(env, v, &is) != napi_ok || !is ||
      napi_get_typedarray_info(env, v, &type, length, data, &buffer, &offset) != napi_ok || type != want) {
    snprintf(msg, sizeof msg, "fmnist_native: %s has the wrong type", name);
    napi_throw_type_error(env, NULL, msg);
    return 0;
  }
  return 1;
}

static int number(napi_env env, napi_value v, double *out, const char *name) {
  char msg[160];
  if (napi_get_value_double(env, v, out) != napi_ok) {
    snprintf(msg, sizeof msg, "fmnist_native: %s must be a number", name);
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
static napi_value UmapSgdEpochJs(napi_env env, napi_callback_info info) {
  size_t argc = NARGS;
  napi_value argv[NARGS];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc != NARGS) {
    napi_throw_type_error(env, NULL, "fmnist_native.umapSgdEpoch expects 20 arguments");
    return NULL;
  }
  UmapSgdEpoch p;
  size_t nHead, nTail, nSnap, nEh, nEt, nEps, nEpsNeg, nNext, nNextNeg, nBlockStart, nStates;
  double dim, nVertices, alpha, moveOther, threads;
  float *snapshot;
  int32_t *blockStart;
  if (!typed(env, argv[0], napi_float32_array, (void **)&p.head, &nHead, "head") ||
      !typed(env, argv[1], napi_float32_array, (void **)&p.tail, &nTail, "tail") ||
      !typed(env, argv[2], napi_float32_array, (void **)&snapshot, &nSnap, "snapshot") ||
      !number(env, argv[3], &dim, "dim") ||
      !typed(env, argv[4], napi_int32_array, (void **)&p.edge_head, &nEh, "edgeHead") ||
      !typed(env, argv[5], napi_int32_array, (void **)&p.edge_tail, &nEt, "edgeTail") ||
      !typed(env, argv[6], napi_float64_array, (void **)&p.epochs_per_sample, &nEps, "epochsPerSample") ||
      !typed(env, argv[7], napi_float64_array, (void **)&p.epochs_per_negative, &nEpsNeg, "epochsPerNegative") ||
      !typed(env, argv[8], napi_float64_array, (void **)&p.next_sample, &nNext, "nextSample") ||
      !typed(env, argv[9], napi_float64_array, (void **)&p.next_negative, &nNextNeg, "nextNegative") ||
      !typed(env, argv[10], napi_int32_array, (void **)&blockStart, &nBlockStart, "blockStart") ||
      !typed(env, argv[11], napi_uint32_array, (void **)&p.states, &nStates, "states") ||
      !number(env, argv[12], &nVertices, "nVertices") || !number(env, argv[13], &p.epoch, "epoch") ||
      !number(env, argv[14], &alpha, "alpha") || !number(env, argv[15], &p.a, "a") ||
      !number(env, argv[16], &p.b, "b") || !number(env, argv[17], &p.gamma, "gamma") ||
      !number(env, argv[18], &moveOther, "moveOther") || !number(env, argv[19], &threads, "threads")) {
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
static int nnd_state(napi_env env, napi_value *argv, int withCandidates, NndState *s) {
  size_t nData, nHd, nHi, nHf, nIdx, nNormal, nRng, nNewC, nOldC, nNewP, nOldP, nNewN, nOldN;
  double n, dim, m, maxC = 1;
  float *data;
  int a = 0;
  if (!typed(env, argv[a++], napi_float32_array, (void **)&data, &nData, "data") ||
      !number(env, argv[a++], &n, "n") || !number(env, argv[a++], &dim, "dim") || !number(env, argv[a++], &m, "m") ||
      (withCandidates && !number(env, argv[a++], &maxC, "maxC")) ||
      !typed(env, argv[a++], napi_float32_array, (void **)&s->hd, &nHd, "hd") ||
      !typed(env, argv[a++], napi_int32_array, (void **)&s->hi, &nHi, "hi") ||
      !typed(env, argv[a++], napi_uint8_array, (void **)&s->hf, &nHf, "hf")) {
    return 0;
  }
  if (withCandidates) {
    if (!typed(env, argv[a++], napi_int32_array, (void **)&s->new_c, &nNewC, "newC") ||
        !typed(env, argv[a++], napi_int32_array, (void **)&s->old_c, &nOldC, "oldC") ||
        !typed(env, argv[a++], napi_float32_array, (void **)&s->new_p, &nNewP, "newP") ||
        !typed(env, argv[a++], napi_float32_array, (void **)&s->old_p, &nOldP, "oldP") ||
        !typed(env, argv[a++], napi_int32_array, (void **)&s->new_n, &nNewN, "newN") ||
        !typed(env, argv[a++], napi_int32_array, (void **)&s->old_n, &nOldN, "oldN")) {
      return 0;
    }
  } else if (!typed(env, argv[a++], napi_int32_array, (void **)&s->idx, &nIdx, "idx") ||
             !typed(env, argv[a++], napi_float64_array, (void **)&s->normal, &nNormal, "normal")) {
    return 0;
  }
  if (!typed(env, argv[withCandidates ? 14 : 11], napi_uint32_array, (void **)&s->rng, &nRng, "rng")) return 0;
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
  size_t argc = 12;
  napi_value argv[12];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc != 12) { napi_throw_type_error(env, NULL, "fmnist_native.nndInit expects 12 arguments"); return NULL; }
  NndState s = {0};
  double nTrees, leafSize;
  if (!nnd_state(env, argv, 0, &s) || !number(env, argv[9], &nTrees, "nTrees") || !number(env, argv[10], &leafSize, "leafSize")) return NULL;
  if (nnd_init(&s, (int)nTrees, (int)leafSize) != 0) { napi_throw_error(env, NULL, "fmnist_native.nndInit: out of memory"); return NULL; }
  return NULL;
}

/* nndRound(data, n, dim, m, maxC, hd, hi, hf, newC, oldC, newP, oldP, newN, oldN, rng) → updates */
static napi_value NndRoundJs(napi_env env, napi_callback_info info) {
  size_t argc = 15;
  napi_value argv[15];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc != 15) { napi_throw_type_error(env, NULL, "fmnist_native.nndRound expects 15 arguments"); return NULL; }
  NndState s = {0};
  if (!nnd_state(env, argv, 1, &s)) return NULL;
  napi_value result;
  CHECK(napi_create_double(env, (double)nnd_round(&s), &result));
  return result;
}

static napi_value Init(napi_env env, napi_value exports) {
  napi_value fn;
  CHECK(napi_create_function(env, "umapSgdEpoch", NAPI_AUTO_LENGTH, UmapSgdEpochJs, NULL, &fn));
  CHECK(napi_set_named_property(env, exports, "umapSgdEpoch", fn));
  CHECK(napi_create_function(env, "nndInit", NAPI_AUTO_LENGTH, NndInitJs, NULL, &fn));
  CHECK(napi_set_named_property(env, exports, "nndInit", fn));
  CHECK(napi_create_function(env, "nndRound", NAPI_AUTO_LENGTH, NndRoundJs, NULL, &fn));
  CHECK(napi_set_named_property(env, exports, "nndRound", fn));
  napi_value version;
  CHECK(napi_create_uint32(env, 3, &version));
  CHECK(napi_set_named_property(env, exports, "abiVersion", version));
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, Init)
