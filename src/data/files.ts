/**
 * The four official Fashion-MNIST files and how to recognise them.
 *
 * `gzipMd5` is the checksum Zalando Research publishes for each .gz file. Repackaged copies
 * (Debian's dataset-fashion-mnist recompresses them) have other gzip bytes but the same
 * content, so `payloadMd5` — the checksum of the decompressed IDX bytes, measured on Debian's
 * copy and equal to the content of the published files — is accepted too.
 */
export type SplitName = 'train' | 'test';
export type FileRole = 'images' | 'labels';

export interface OfficialFile {
  readonly name: string;
  readonly split: SplitName;
  readonly role: FileRole;
  readonly count: number;
  readonly gzipMd5: string;
  readonly payloadMd5: string;
  readonly payloadBytes: number;
}

export const OFFICIAL_FILES: readonly OfficialFile[] = Object.freeze([
  { name: 'train-images-idx3-ubyte.gz', split: 'train', role: 'images', count: 60000, gzipMd5: '8d4fb7e6c68d591d4c3dfef9ec88bf0d', payloadMd5: 'f4a8712d7a061bf5bd6d2ca38dc4d50a', payloadBytes: 47040016 },
  { name: 'train-labels-idx1-ubyte.gz', split: 'train', role: 'labels', count: 60000, gzipMd5: '25c81989df183df01b3e8a0aad5dffbe', payloadMd5: '9018921c3c673c538a1fc5bad174d6f9', payloadBytes: 60008 },
  { name: 't10k-images-idx3-ubyte.gz', split: 'test', role: 'images', count: 10000, gzipMd5: 'bef4ecab320f06d8554ea6380940ec79', payloadMd5: '8181f5470baa50b63fa0f6fddb340f0a', payloadBytes: 7840016 },
  { name: 't10k-labels-idx1-ubyte.gz', split: 'test', role: 'labels', count: 10000, gzipMd5: 'bb300cfdad3c16e7a12a480ee83cd310', payloadMd5: '15d484375f8d13e6eb1aabb0c3f46965', payloadBytes: 10008 },
]);

/**
 * The classic MNIST handwritten-digit files have the same names and format, and are the most
 * common wrong file to find in a data folder. Their published gzip checksums:
 */
export const MNIST_DIGITS_GZIP_MD5: Readonly<Record<string, string>> = Object.freeze({
  f68b3c2dcbeaaa9fbdd348bbdeb94873: 'train-images-idx3-ubyte.gz',
  d53e105ee54ea40749a09fcbcd1e9432: 'train-labels-idx1-ubyte.gz',
  '9fb629c4189551a2d022fa330f9573f3': 't10k-images-idx3-ubyte.gz',
  ec29112dd5afa0611ce80d1b7f02629c: 't10k-labels-idx1-ubyte.gz',
});

/**
 * First ten labels of each official labels file; identifies a labels file's dataset when its
 * checksum does not match (e.g. an uncompressed or recompressed copy).
 */
export const FIRST_LABELS: Readonly<Record<string, { fashion: string; mnistDigits: string }>> = Object.freeze({
  train: { fashion: '9003027255', mnistDigits: '5041921314' },
  test: { fashion: '9211614657', mnistDigits: '7210414959' },
});

/** Mean pixel value (0..1) of the training images; MNIST digits are much darker (≈0.13). */
export const FASHION_MEAN_PIXEL = 0.286;
export const MNIST_DIGITS_MEAN_PIXEL = 0.131;

/** Where the official files can be downloaded (used by `npm run data` only). */
export const OFFICIAL_BASE_URL = 'http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/';
