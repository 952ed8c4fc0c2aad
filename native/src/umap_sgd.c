/*
 * One epoch of UMAP's layout SGD (src/manifold/layout.ts, `sgdRange`), compiled: the same
 * arithmetic in the same order (float32 positions and products, the pow approximation in double,
 * the same xorshift streams), so that it gives the layout of the TypeScript loop bit for bit.
 * Built without floating-point contraction (-ffp-contract=off) for that reason. Its distances are
 * between embedding positions (UMAP's own optimisation, see layout.ts), not data distances: those
 * are the compute floor's (src/linalg; compiled in lanes.h).
 */
#include <math.h>
#include <stdint.h>
#include <string.h>
#include <pthread.h>
#include "umap_sgd.h"

static double POW2[2100]; /* POW2[k + 1075] = 2^k, k in -1074..1023 */
static double INV_C[128], LOG2_C[128], EXP2_J[32];
static int tables_ready = 0;

/* The tables of pow_positive, from + − × ÷ only, in the order of layout.ts (so both have the same bits). */
static void init_tables(void) {
  if (tables_ready) return;
  for (int k = -1074; k <= 1023; k++) POW2[k + 1075] = ldexp(1.0, k);
  for (int i = 0; i < 128; i++) {
    const double c = 1 + (i + 0.5) / 128;
    INV_C[i] = 1 / c;
    const double s = (c - 1) / (c + 1), s2 = s * s;
    double term = s, sum = 0;
    for (int k = 1; k <= 41; k += 2) { sum += term / k; term *= s2; }
    LOG2_C[i] = sum * 2.8853900817779268;
  }
  for (int j = 0; j < 32; j++) {
    const double t = j / 32.0 * 0.6931471805599453;
    double term = 1, sum = 0;
    for (int k = 1; k <= 30; k++) { sum += term; term = term * t / k; }
    EXP2_J[j] = sum;
  }
  tables_ready = 1;
}

/* x^b for finite x > 0: powPositive of layout.ts, operation for operation. */
static inline double pow_positive(double x, double b) {
  uint64_t bits;
  memcpy(&bits, &x, 8);
  const int e = (int)((int32_t)(bits >> 32) >> 20) - 1023;
  if (e == -1023) return pow(x, b);
  const double m = x * POW2[1075 - e];
  const int i = (int)((m - 1) * 128);
  const double r = m * INV_C[i] - 1;
  const double lg = e + LOG2_C[i] + r * (1.4426950408889634 + r * (-0.7213475204444817 + r * (0.48089834696298783 + r * (-0.36067376022224085 + r * 0.28853900817779268))));
  const double y = b * lg;
  if (y < -1020 || y > 1020) return pow(x, b);
  const double n = floor(y);
  const double f = y - n;
  const int j = (int)(f * 32);
  const double t = (f - j / 32.0) * 0.6931471805599453;
  const double p = 1 + t * (1 + t * (0.5 + t * (0.16666666666666666 + t * (0.041666666666666664 + t * 0.008333333333333333))));
  return EXP2_J[j] * p * POW2[(int)n + 1075];
}

static inline float clip4f(float g) { return g > 4.0f ? 4.0f : g < -4.0f ? -4.0f : g; }

/* Squared distance, summed in float32 in index order (the TypeScript twin rounds the same way). */
static inline float rdist(const float *x, const float *y, int dim) {
  float s = 0.0f;
  for (int d = 0; d < dim; d++) {
    const float t = x[d] - y[d];
    s += t * t;
  }
  return s;
}

/* The edges [begin, end) in order, drawing repulsive samples from one xorshift stream. */
static uint32_t sgd_range(const UmapSgdEpoch *p, int64_t begin, int64_t end, uint32_t state) {
  float *head = p->head;
  float *tail = p->tail; /* may alias head */
  const float *snap = p->snapshot;
  const int dim = p->dim;
  const double n = p->epoch;
  const float alpha = p->alpha;
  const double a = p->a, b = p->b;
  const double twoAB = 2 * a * b;
  const double twoGammaB = 2 * p->gamma * b;
  const double scale = p->n_vertices / 4294967296.0;
  for (int64_t e = begin; e < end; e++) {
    if (p->next_sample[e] > n) continue;
    float *hj = head + (int64_t)p->edge_head[e] * dim;
    float *tk = tail + (int64_t)p->edge_tail[e] * dim;
    const float d2 = rdist(hj, tk, dim);
    if (d2 > 0) {
      const double pb = pow_positive(d2, b);
      const float coeff = (float)((-twoAB * pb) / (d2 * (a * pb + 1)));
      if (p->move_other) {
        for (int d = 0; d < dim; d++) {
          const float g = clip4f(coeff * (hj[d] - tk[d])) * alpha;
          hj[d] += g;
          tk[d] -= g;
        }
      } else {
        for (int d = 0; d < dim; d++) hj[d] += clip4f(coeff * (hj[d] - tk[d])) * alpha;
      }
    }
    p->next_sample[e] += p->epochs_per_sample[e];
    const double nNeg = floor((n - p->next_negative[e]) / p->epochs_per_negative[e]);
    for (double q = 0; q < nNeg; q++) {
      state ^= state << 13;
      state ^= state >> 17;
      state ^= state << 5;
      const float *tr = snap + (int64_t)((double)state * scale) * dim;
      const float s2 = rdist(hj, tr, dim);
      if (s2 > 0) {
        const float coeff = (float)(twoGammaB / ((0.001 + s2) * (a * pow_positive(s2, b) + 1)));
        for (int d = 0; d < dim; d++) hj[d] += clip4f(coeff * (hj[d] - tr[d])) * alpha;
      }
    }
    p->next_negative[e] += nNeg * p->epochs_per_negative[e];
  }
  return state;
}

typedef struct {
  const UmapSgdEpoch *p;
  int first, step; /* blocks first, first + step, ... */
} Worker;

static void *run_blocks(void *arg) {
  const Worker *w = (const Worker *)arg;
  const UmapSgdEpoch *p = w->p;
  for (int blk = w->first; blk < p->n_blocks; blk += w->step) {
    p->states[blk] = sgd_range(p, p->block_start[blk], p->block_start[blk + 1], p->states[blk]);
  }
  return NULL;
}

int umap_sgd_epoch(const UmapSgdEpoch *p, int threads) {
  init_tables();
  if (threads > p->n_blocks) threads = p->n_blocks;
  if (threads < 1) threads = 1;
  if (threads > 64) threads = 64;
  pthread_t ids[64];
  int running[64] = {0};
  Worker workers[64];
  for (int t = 0; t < threads; t++) workers[t] = (Worker){p, t, threads};
  for (int t = 1; t < threads; t++) running[t] = pthread_create(&ids[t], NULL, run_blocks, &workers[t]) == 0;
  /* Blocks are disjoint: the calling thread also takes those of any thread that did not start. */
  run_blocks(&workers[0]);
  for (int t = 1; t < threads; t++) {
    if (running[t]) pthread_join(ids[t], NULL);
    else run_blocks(&workers[t]);
  }
  const int c = p->n_blocks;
  p->states[c] = sgd_range(p, p->block_start[c], p->block_start[c + 1], p->states[c]);
  return 0;
}
