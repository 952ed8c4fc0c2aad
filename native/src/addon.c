/*
 * fmnist_native: the compiled kernels of fmnist-cluster, as a Node-API addon (ABI-stable across
 * Node versions). Loaded by src/native/index.ts; every kernel has a TypeScript twin that is used
 * when this addon is not built, and the tests check that both give the same bits.
 */
#include <node_api.h>
#include <stdint.h>
#include <stdio.h>
#include "umap_sgd.h"

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
    snprintf(msg, sizeof msg, "fmnist_native.umapSgdEpoch: %s has the wrong type", name);
    napi_throw_type_error(env, NULL, msg);
    return 0;
  }
  return 1;
}

static int number(napi_env env, napi_value v, double *out, const char *name) {
  char msg[160];
  if (napi_get_value_double(env, v, out) != napi_ok) {
    snprintf(msg, sizeof msg, "fmnist_native.umapSgdEpoch: %s must be a number", name);
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

static napi_value Init(napi_env env, napi_value exports) {
  napi_value fn;
  CHECK(napi_create_function(env, "umapSgdEpoch", NAPI_AUTO_LENGTH, UmapSgdEpochJs, NULL, &fn));
  CHECK(napi_set_named_property(env, exports, "umapSgdEpoch", fn));
  napi_value version;
  CHECK(napi_create_uint32(env, 2, &version));
  CHECK(napi_set_named_property(env, exports, "abiVersion", version));
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, Init)
