import type { Matrix } from '../util/matrix.js';
import { IMAGE_PIXELS, IMAGE_SIZE, NUM_CLASSES, type LabeledImages } from './classes.js';
import { DataFormatError } from './errors.js';
import { OFFICIAL_FILES } from './files.js';
import { parseIdx, readIdxFile, type IdxArray } from './idx.js';
import { datasetPaths, locateDataset, verifyOfficialFile } from './locate.js';

/** The official split: 60,000 training and 10,000 test images. */
export interface FashionMnist {
  readonly train: LabeledImages;
  readonly test: LabeledImages;
  /** The folder the files were read from. */
  readonly dir: string;
}

export interface LoadOptions {
  /** Folder with the four files; default: located by {@link locateDataset}. */
  dir?: string;
  /** Check each file against the published MD5 sums (default true; ≈0.3 s). */
  verify?: boolean;
}

/**
 * Loads the official Fashion-MNIST train and test splits.
 * @throws DataFormatError when a file is missing, corrupt, or not the official one.
 * @example const { train, test } = await loadFashionMnist(); train.images.rows === 60000
 */
export async function loadFashionMnist(options: LoadOptions = {}): Promise<FashionMnist> {
  const dir = locateDataset(options.dir);
  const paths = datasetPaths(dir);
  const verify = options.verify ?? true;
  const read = async (key: keyof typeof paths, rank: number): Promise<IdxArray> => {
    const official = OFFICIAL_FILES.find((f) => `${f.split}-${f.role}` === key)!;
    if (!verify) return readIdxFile(paths[key], rank);
    const payload = await verifyOfficialFile(paths[key], official);
    return parseIdx(payload, paths[key], rank);
  };
  const [trainImages, trainLabels, testImages, testLabels] = await Promise.all([
    read('train-images', 3),
    read('train-labels', 1),
    read('test-images', 3),
    read('test-labels', 1),
  ]);
  return {
    train: toLabeledImages(trainImages, trainLabels, paths['train-images'], paths['train-labels']),
    test: toLabeledImages(testImages, testLabels, paths['test-images'], paths['test-labels']),
    dir,
  };
}

/**
 * Reads any pair of IDX files (gzip or raw) as labelled images — e.g. a subset written by a tool.
 * @throws DataFormatError on malformed files, count mismatch or labels outside 0..9.
 */
export async function loadIdxPair(imagesFile: string, labelsFile: string): Promise<LabeledImages> {
  // Both files are read at once, but a failure is reported in a fixed order (the images file's
  // first), not by whichever read happens to finish first.
  const [images, labels] = await Promise.allSettled([readIdxFile(imagesFile, 3), readIdxFile(labelsFile, 1)]);
  if (images.status === 'rejected') throw images.reason;
  if (labels.status === 'rejected') throw labels.reason;
  return toLabeledImages(images.value, labels.value, imagesFile, labelsFile);
}

function toLabeledImages(images: IdxArray, labels: IdxArray, imagesFile: string, labelsFile: string): LabeledImages {
  const [n, h, w] = images.dims as [number, number, number];
  if (h !== IMAGE_SIZE || w !== IMAGE_SIZE) {
    throw new DataFormatError(`${imagesFile}: images are ${h}×${w}; Fashion-MNIST images are ${IMAGE_SIZE}×${IMAGE_SIZE}.`, imagesFile);
  }
  if (labels.dims[0] !== n) {
    throw new DataFormatError(
      `${imagesFile} has ${n} images but ${labelsFile} has ${labels.dims[0]} labels; use the images and labels files of the same split.`,
      labelsFile,
    );
  }
  checkClassLabels(labels.data, labelsFile);
  return { images: pixelsToMatrix(images.data, n), labels: Uint8Array.from(labels.data) };
}

/** @throws DataFormatError naming the first label outside 0..9 and its index. */
export function checkClassLabels(labels: Uint8Array, source: string): void {
  for (let i = 0; i < labels.length; i++) {
    if (labels[i]! >= NUM_CLASSES) {
      throw new DataFormatError(`${source}: label ${labels[i]} at index ${i} is outside 0..${NUM_CLASSES - 1}.`, source);
    }
  }
}

/** Scales uint8 pixels (0..255) to a float32 matrix in 0..1. */
export function pixelsToMatrix(pixels: Uint8Array, n: number): Matrix {
  const data = new Float32Array(n * IMAGE_PIXELS);
  const scale = 1 / 255;
  for (let i = 0; i < data.length; i++) data[i] = pixels[i]! * scale;
  return { data, rows: n, cols: IMAGE_PIXELS };
}
