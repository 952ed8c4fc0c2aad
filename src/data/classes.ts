/** The ten Fashion-MNIST classes, indexed by label (0..9), as named by Zalando Research. */
export const CLASS_NAMES: readonly string[] = Object.freeze([
  'T-shirt/top',
  'Trouser',
  'Pullover',
  'Dress',
  'Coat',
  'Sandal',
  'Shirt',
  'Sneaker',
  'Bag',
  'Ankle boot',
]);

/** Number of classes (labels are 0..NUM_CLASSES-1). */
export const NUM_CLASSES = 10;

/** Image side in pixels; each image has IMAGE_SIZE² = 784 values. */
export const IMAGE_SIZE = 28;
export const IMAGE_PIXELS = IMAGE_SIZE * IMAGE_SIZE;

/** Images and their labels: row i of `images` has label `labels[i]`. */
export interface LabeledImages {
  /** N × 784, row-major, pixel values scaled to 0..1. */
  readonly images: import('../util/matrix.js').Matrix;
  /** N labels in 0..9. */
  readonly labels: Uint8Array;
}
