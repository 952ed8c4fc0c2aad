import type { BenchCase } from '../types.js';

export const loadData: BenchCase = {
  name: 'load-data',
  description: 'Parse the four official Fashion-MNIST files (gzip IDX) into Float32 images and Uint8 labels.',
  async run() {
    const { loadFashionMnist } = await import('../../data/index.js');
    const t0 = performance.now();
    const { train, test } = await loadFashionMnist();
    const seconds = (performance.now() - t0) / 1000;
    return { seconds, trainImages: train.images.rows, testImages: test.images.rows, pixels: train.images.cols };
  },
};
