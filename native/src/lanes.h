#ifndef FMNIST_LANES_H
#define FMNIST_LANES_H
/*
 * The compute floor's lane products, compiled: the twin of src/linalg/lanes.ts (laneSquaredDistance,
 * laneDot, bisector), used by native/src/nndescent.c. Element j of a row goes to lane j mod 8, eight
 * double sums added as ((0+1)+(2+3))+((4+5)+(6+7)): independent chains the compiler vectorises
 * without reassociating anything (-ffp-contract=off, no -ffast-math), in exactly the order the
 * TypeScript twin adds, so that both engines give the same distances and the same kNN graph.
 * Change one twin only together with the other (test/manifold/umap.test.ts checks the bits).
 */
#include <stdint.h>

static inline double lanes_total(const double *acc) {
  return ((acc[0] + acc[1]) + (acc[2] + acc[3])) + ((acc[4] + acc[5]) + (acc[6] + acc[7]));
}

/* |x - y|^2 of two dim-long float rows, from the differences (laneSquaredDistance). */
static inline double lane_squared_distance(const float *x, const float *y, int dim) {
  double acc[8] = {0, 0, 0, 0, 0, 0, 0, 0};
  int j = 0;
  for (; j + 8 <= dim; j += 8) {
    for (int l = 0; l < 8; l++) {
      const double t = (double)x[j + l] - (double)y[j + l];
      acc[l] += t * t;
    }
  }
  for (int l = 0; j < dim; j++, l++) {
    const double t = (double)x[j] - (double)y[j];
    acc[l] += t * t;
  }
  return lanes_total(acc);
}

/* Sum of normal[j] * x[j] in the same lanes (laneDot). */
static inline double lane_dot(const double *normal, const float *x, int dim) {
  double acc[8] = {0, 0, 0, 0, 0, 0, 0, 0};
  int j = 0;
  for (; j + 8 <= dim; j += 8) {
    for (int l = 0; l < 8; l++) acc[l] += normal[j + l] * (double)x[j + l];
  }
  for (int l = 0; j < dim; j++, l++) acc[l] += normal[j] * (double)x[j];
  return lanes_total(acc);
}

/* The perpendicular bisector of rows a and b: normal = a - b, returns -normal . (a + b) / 2, summed in order (bisector). */
static inline double bisector(const float *a, const float *b, int dim, double *normal) {
  double offset = 0;
  for (int j = 0; j < dim; j++) {
    const double va = a[j], vb = b[j];
    normal[j] = va - vb;
    offset -= normal[j] * (va + vb) / 2;
  }
  return offset;
}
#endif
