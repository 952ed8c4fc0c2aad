export * from './umap.js';
export * from './knn.js';
export * from './nndescent.js';
export * from './fuzzy.js';
export * from './curve.js';
export * from './quality.js';
export * from './sweep.js';
// layout.ts (optimizeLayout, powPositive) and spectral.ts (spectralLayout, connectedComponents) are
// internal steps of UMAP.fit; import them from their modules when needed.
