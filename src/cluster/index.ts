export * from './kmeans.js';
export * from './elbow.js';
export * from './gmm.js';
export * from './gmm-selection.js';
