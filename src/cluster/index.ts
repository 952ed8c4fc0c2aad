export * from './kmeans.js';
export * from './elbow.js';
