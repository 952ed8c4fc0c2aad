export * from './architecture.js';
export * from './autoencoder.js';
export * from './progress.js';
export * from './io.js';
export * from './cache.js';
export * from './training.js';
export { trainingThreads, TRAIN_THREADS_ENV, DataParallelStep } from './data-parallel.js';
export * from './estimator.js';
export * from './dense-architecture.js';
export * from './dense-autoencoder.js';
export * from './augmentation.js';
export {
  readCheckpoint, readCheckpointInfo, writeCheckpoint, trainingRunId, positionBefore, CHECKPOINT_FORMAT,
  type Checkpoint, type CheckpointInfo,
} from './checkpoint.js';
