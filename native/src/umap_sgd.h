#ifndef FMNIST_UMAP_SGD_H
#define FMNIST_UMAP_SGD_H
#include <stdint.h>

/*
 * One epoch of UMAP's layout SGD over edges grouped in blocks (src/manifold/layout.ts explains the
 * schedule): edges [block_start[b], block_start[b+1]) for b < n_blocks touch only the vertices of
 * block b and run in parallel, one thread per block; the edges [block_start[n_blocks],
 * block_start[n_blocks+1]) join different blocks and run afterwards. Repulsive samples read
 * `snapshot` (the positions at the start of the epoch). Stream b's generator state is states[b].
 */
typedef struct {
  float *head;
  float *tail;
  const float *snapshot;
  int dim;
  const int32_t *edge_head;
  const int32_t *edge_tail;
  const double *epochs_per_sample;
  const double *epochs_per_negative;
  double *next_sample;
  double *next_negative;
  const int32_t *block_start;
  int n_blocks;
  uint32_t *states;
  double n_vertices;
  double epoch;
  float alpha;
  double a, b, gamma;
  int move_other;
} UmapSgdEpoch;

/* Runs one epoch with up to `threads` threads (the result does not depend on it); 0 on success. */
int umap_sgd_epoch(const UmapSgdEpoch *p, int threads);
#endif
