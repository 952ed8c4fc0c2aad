import type { Matrix } from '../util/matrix.js';
import { GaussianMixture, type GaussianMixtureOptions } from './gmm.js';
import { checkMatrix, describeValue } from '../util/validate.js';

/** BIC and AIC of Gaussian mixtures with different numbers of components, fitted on the same data. */
export interface InformationCriteria {
  readonly nComponents: number[];
  readonly bic: number[];
  readonly aic: number[];
  /** Mean log-likelihood per sample of each fit. */
  readonly score: number[];
  /** Whether each fit's EM converged. */
  readonly converged: boolean[];
}

/**
 * Fits one GaussianMixture per entry of `nComponents` (other settings from `options`) and returns
 * BIC and AIC on `X` — lower is better — for choosing the number of components.
 * @param onFit called after each fit (for progress in notebooks).
 * @throws RangeError for an empty list or a component count out of range.
 * @example informationCriteria(codes, [2, 4, 8, 10], { covarianceType: 'diag' }).bic
 */
export function informationCriteria(
  X: Matrix,
  nComponents: readonly number[],
  options: Omit<GaussianMixtureOptions, 'nComponents'> & { nComponents?: undefined } = {},
  onFit?: (k: number, gmm: GaussianMixture) => void,
): InformationCriteria {
  if (!Array.isArray(nComponents)) {
    throw new TypeError(`informationCriteria: nComponents must be an array of component counts (e.g. [2, 4, 8]), got ${describeValue(nComponents)}.`);
  }
  checkMatrix('X', X, { minRows: 1 });
  if (nComponents.length === 0) throw new RangeError('informationCriteria: nComponents must list at least one component count.');
  const out = { nComponents: [...nComponents], bic: [] as number[], aic: [] as number[], score: [] as number[], converged: [] as boolean[] };
  for (const k of nComponents) {
    const gmm = new GaussianMixture({ ...options, nComponents: k }).fit(X);
    out.bic.push(gmm.bic(X));
    out.aic.push(gmm.aic(X));
    out.score.push(gmm.score(X));
    out.converged.push(gmm.converged);
    onFit?.(k, gmm);
  }
  return out;
}
