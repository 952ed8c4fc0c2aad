/*
 * NN-descent, compiled: the twin of src/manifold/nndescent.ts, the same steps in the same order
 * with the same xoshiro128** stream and the same float64 sums, so that it builds the TypeScript
 * graph bit for bit. Its distances and projections are the compute floor's lane products
 * (lanes.h, the twin of src/linalg/lanes.ts).
 */
#include <math.h>
#include <stdlib.h>
#include "nndescent.h"
#include "lanes.h"

static inline uint32_t rotl(uint32_t x, int k) { return (x << k) | (x >> (32 - k)); }

static inline uint32_t next_u32(uint32_t *s) {
  uint32_t a = s[0], b = s[1], c = s[2], d = s[3];
  const uint32_t result = rotl(b * 5u, 7) * 9u;
  const uint32_t t = b << 9;
  c ^= a; d ^= b; b ^= c; a ^= d; c ^= t; d = rotl(d, 11);
  s[0] = a; s[1] = b; s[2] = c; s[3] = d;
  return result;
}

static inline double next01(uint32_t *s) { return (double)next_u32(s) / 4294967296.0; }
static inline int below(uint32_t *s, int n) { return (int)floor(((double)next_u32(s) / 4294967296.0) * n); }

static inline double dist(const NndState *s, int a, int b) {
  return lane_squared_distance(s->data + (int64_t)a * s->dim, s->data + (int64_t)b * s->dim, s->dim);
}

static int push(NndState *s, int i, double d, int j) {
  const int m = s->m;
  float *hd = s->hd + (int64_t)i * m;
  int32_t *hi = s->hi + (int64_t)i * m;
  uint8_t *hf = s->hf + (int64_t)i * m;
  if (d >= hd[0]) return 0;
  for (int t = 0; t < m; t++) if (hi[t] == j) return 0;
  int pos = 0;
  for (;;) {
    const int l = 2 * pos + 1, r = l + 1;
    int big = pos;
    double bigD = d;
    if (l < m && hd[l] > bigD) { big = l; bigD = hd[l]; }
    if (r < m && hd[r] > bigD) { big = r; bigD = hd[r]; }
    if (big == pos) break;
    hd[pos] = hd[big]; hi[pos] = hi[big]; hf[pos] = hf[big];
    pos = big;
  }
  hd[pos] = (float)d; hi[pos] = j; hf[pos] = 1;
  return 1;
}

static void leaf_pairs(NndState *s, int st, int e) {
  for (int a = st; a < e; a++) {
    const int p = s->idx[a];
    for (int b = a + 1; b < e; b++) {
      const int q = s->idx[b];
      const double d = dist(s, p, q);
      push(s, p, d, q);
      push(s, q, d, p);
    }
  }
}

/* buildLeaves of nndescent.ts with the leaf step inlined. */
static int build_leaves(NndState *s, int leaf_size) {
  const int dim = s->dim;
  int32_t *idx = s->idx;
  double *normal = s->normal;
  int *stack = (int *)malloc(sizeof(int) * 2 * ((size_t)s->n + 2));
  if (!stack) return -1;
  int top = 0;
  stack[top++] = 0;
  stack[top++] = s->n;
  while (top > 0) {
    const int e = stack[--top];
    const int st = stack[--top];
    if (e - st <= leaf_size) { leaf_pairs(s, st, e); continue; }
    const int a = idx[st + below(s->rng, e - st)];
    int b = idx[st + below(s->rng, e - st)];
    for (int t = 0; t < 4 && b == a; t++) b = idx[st + below(s->rng, e - st)];
    const double offset = bisector(s->data + (int64_t)a * dim, s->data + (int64_t)b * dim, dim, normal);
    int lo = st, hi = e - 1;
    while (lo <= hi) {
      const int p = idx[lo];
      const double v = offset + lane_dot(normal, s->data + (int64_t)p * dim, dim);
      const int left = v < 0 || (v == 0 && next01(s->rng) < 0.5);
      if (left) lo++;
      else { idx[lo] = idx[hi]; idx[hi] = p; hi--; }
    }
    int mid = lo;
    if (mid == st || mid == e) mid = st + ((e - st) >> 1);
    stack[top++] = mid; stack[top++] = e;
    stack[top++] = st; stack[top++] = mid;
  }
  free(stack);
  return 0;
}

int nnd_init(NndState *s, int n_trees, int leaf_size) {
  const int n = s->n, m = s->m;
  for (int t = 0; t < n_trees; t++) {
    for (int i = 0; i < n; i++) s->idx[i] = i;
    if (build_leaves(s, leaf_size) != 0) return -1;
  }
  for (int i = 0; i < n; i++) {
    for (int t = 0; t < 2 * m && s->hi[(int64_t)i * m] < 0; t++) {
      const int j = below(s->rng, n);
      if (j != i) push(s, i, dist(s, i, j), j);
    }
  }
  return 0;
}

static void add_cand(int32_t *C, float *P, int32_t *N, int max_c, int i, int j, double pr) {
  C += (int64_t)i * max_c;
  P += (int64_t)i * max_c;
  const int c = N[i];
  for (int t = 0; t < c; t++) if (C[t] == j) return;
  if (c < max_c) {
    int pos = c;
    while (pos > 0) {
      const int parent = (pos - 1) >> 1;
      if (P[parent] >= pr) break;
      P[pos] = P[parent]; C[pos] = C[parent];
      pos = parent;
    }
    P[pos] = (float)pr; C[pos] = j;
    N[i] = c + 1;
    return;
  }
  if (pr >= P[0]) return;
  int pos = 0;
  for (;;) {
    const int l = 2 * pos + 1, r = l + 1;
    int big = pos;
    double bigP = pr;
    if (l < max_c && P[l] > bigP) { big = l; bigP = P[l]; }
    if (r < max_c && P[r] > bigP) { big = r; bigP = P[r]; }
    if (big == pos) break;
    P[pos] = P[big]; C[pos] = C[big];
    pos = big;
  }
  P[pos] = (float)pr; C[pos] = j;
}

int64_t nnd_round(NndState *s) {
  const int n = s->n, m = s->m, max_c = s->max_c;
  for (int i = 0; i < n; i++) { s->new_n[i] = 0; s->old_n[i] = 0; }
  for (int i = 0; i < n; i++) {
    for (int t = 0; t < m; t++) {
      const int64_t e = (int64_t)i * m + t;
      const int j = s->hi[e];
      if (j < 0) continue;
      const double pr = next01(s->rng);
      if (s->hf[e]) {
        add_cand(s->new_c, s->new_p, s->new_n, max_c, i, j, pr);
        add_cand(s->new_c, s->new_p, s->new_n, max_c, j, i, pr);
      } else {
        add_cand(s->old_c, s->old_p, s->old_n, max_c, i, j, pr);
        add_cand(s->old_c, s->old_p, s->old_n, max_c, j, i, pr);
      }
    }
  }
  for (int i = 0; i < n; i++) {
    const int32_t *nc = s->new_c + (int64_t)i * max_c;
    for (int t = 0; t < m; t++) {
      const int64_t e = (int64_t)i * m + t;
      if (!s->hf[e]) continue;
      const int j = s->hi[e];
      for (int c = 0; c < s->new_n[i]; c++) if (nc[c] == j) { s->hf[e] = 0; break; }
    }
  }
  int64_t updates = 0;
  for (int i = 0; i < n; i++) {
    const int32_t *nc = s->new_c + (int64_t)i * max_c, *oc = s->old_c + (int64_t)i * max_c;
    const int nn = s->new_n[i], no = s->old_n[i];
    for (int a = 0; a < nn; a++) {
      const int p = nc[a];
      for (int b = a + 1; b < nn; b++) {
        const int q = nc[b];
        const double d = dist(s, p, q);
        updates += push(s, p, d, q) + push(s, q, d, p);
      }
      for (int b = 0; b < no; b++) {
        const int q = oc[b];
        if (q == p) continue;
        const double d = dist(s, p, q);
        updates += push(s, p, d, q) + push(s, q, d, p);
      }
    }
  }
  return updates;
}
