export * from './config.js';
export * from './artifacts.js';
export * from './display.js';
export * from './pipeline.js';
export * from './evaluation.js';
