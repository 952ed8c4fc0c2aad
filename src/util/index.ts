export * from './matrix.js';
export * from './random.js';
export * from './fs.js';
export * from './validate.js';
export * from './python.js';
export * from './paths.js';
export * from './interrupt.js';
