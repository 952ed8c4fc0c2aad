import type { LabeledImages } from '../../src/data/classes.js';
import { datasetPaths, loadIdxPair, locateDataset } from '../../src/data/index.js';

/**
 * The official 10k Fashion-MNIST test split (only its two files are read: fast), or `undefined`
 * when the dataset is not installed, so a test can skip with a reason instead of failing.
 */
export async function fashionTestSplit(): Promise<LabeledImages | undefined> {
  let dir: string;
  try {
    dir = locateDataset();
  } catch {
    return undefined;
  }
  const paths = datasetPaths(dir);
  return loadIdxPair(paths['test-images'], paths['test-labels']);
}
