#ifndef FMNIST_NNDESCENT_H
#define FMNIST_NNDESCENT_H
#include <stdint.h>

/* NN-descent's arrays (src/manifold/nndescent.ts, NNDState): heaps of m per row, a round's candidates. */
typedef struct {
  const float *data;
  int n, dim, m, max_c;
  float *hd;
  int32_t *hi;
  uint8_t *hf;
  int32_t *new_c, *old_c;
  float *new_p, *old_p;
  int32_t *new_n, *old_n;
  int32_t *idx;
  double *normal;
  uint32_t *rng; /* xoshiro128** state, 4 words */
} NndState;

/* Random-projection trees (all pairs in each leaf), then random fill; 0, or -1 when out of memory. */
int nnd_init(NndState *s, int n_trees, int leaf_size);
/* One round; returns the number of heap updates. */
int64_t nnd_round(NndState *s);
#endif
