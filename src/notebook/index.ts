export * from './display.js';
export * from './show.js';
