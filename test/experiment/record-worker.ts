/**
 * A writer process for the concurrency test: records `count` results with ids `w<writer>-<i>`
 * into the smoke-scale store under `root`. Usage: record-worker.ts ROOT WRITER COUNT
 */
import { ResultStore } from '../../src/experiment/results.js';
import { fakeResult } from './helpers.js';

const [root, writer, count] = process.argv.slice(2);
const store = new ResultStore({ scale: 'smoke', root: root! });
for (let i = 0; i < Number(count); i++) {
  store.record(fakeResult('kmeans-raw', [0.5 + i / 1e4], { id: `w${writer}-${i}`, scale: 'smoke' }));
}
