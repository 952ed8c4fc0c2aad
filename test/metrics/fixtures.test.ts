import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  ari, classificationReport, classificationReportToDict, clusteringAccuracy, confusionMatrix, contingencyMatrix, entropy,
  formatClassificationReport, mapClusters, matchClusters, mutualInfo, nmi, pairConfusion, scoreClustering,
} from '../../src/metrics/index.js';
import { assertClose, fixture, hashLabels, type ReportEntry } from './helpers.js';

const TOL = 1e-9;

test('fixture file covers the required edge cases', () => {
  const names = fixture.cases.map((c) => c.name).join(' | ');
  for (const word of ['one cluster', 'one class', 'singleton', 'non-contiguous', 'identical', 'permuted', 'k<c', 'k>c']) {
    assert.ok(names.includes(word), `fixture lacks a "${word}" case`);
  }
  assert.ok(fixture.cases.some((c) => c.labelsTrue.length === 5000));
});

for (const c of fixture.cases) {
  test(`sklearn fixture: ${c.name} (n=${c.labelsTrue.length})`, () => {
    // Inputs as number[] and as typed arrays give the same results.
    const t32 = Int32Array.from(c.labelsTrue);
    const p32 = Int32Array.from(c.labelsPred);
    assertClose(nmi(c.labelsTrue, c.labelsPred), c.nmi, TOL, 'nmi');
    assertClose(nmi(t32, p32), c.nmi, TOL, 'nmi (Int32Array)');
    assertClose(ari(c.labelsTrue, c.labelsPred), c.ari, TOL, 'ari');
    assertClose(ari(t32, p32), c.ari, TOL, 'ari (Int32Array)');
    assertClose(mutualInfo(c.labelsTrue, c.labelsPred), c.mi, TOL, 'mutualInfo');
    assertClose(entropy(c.labelsTrue), c.entropyTrue, TOL, 'entropy(labelsTrue)');
    assertClose(entropy(c.labelsPred), c.entropyPred, TOL, 'entropy(labelsPred)');
    const pc = pairConfusion(c.labelsTrue, c.labelsPred);
    assert.deepEqual([pc.tn, pc.fp, pc.fn, pc.tp], c.pairConfusion, 'pairConfusion');
    // Symmetry of NMI and ARI.
    assertClose(nmi(c.labelsPred, c.labelsTrue), c.nmi, TOL, 'nmi symmetric');
    assertClose(ari(c.labelsPred, c.labelsTrue), c.ari, TOL, 'ari symmetric');

    if (c.contingency) {
      const m = contingencyMatrix(c.labelsTrue, c.labelsPred);
      assert.deepEqual(m.classes, c.contingency.classes);
      assert.deepEqual(m.clusters, c.contingency.clusters);
      assert.equal(m.nClasses, c.contingency.classes.length);
      assert.equal(m.nClusters, c.contingency.clusters.length);
      assert.deepEqual(Array.from(m.counts), c.contingency.counts);
    }

    if (c.matched !== undefined) {
      const match = matchClusters(c.labelsTrue, c.labelsPred);
      assert.equal(match.matched, c.matched, 'matched samples (Hungarian optimum, vs scipy)');
      assertClose(clusteringAccuracy(c.labelsTrue, c.labelsPred), c.acc!, TOL, 'clusteringAccuracy');
      assert.equal(match.assignment.size, c.nAssigned, 'one-to-one assignment size');
      assert.equal(new Set(match.assignment.values()).size, match.assignment.size, 'assignment is one-to-one');
      assert.equal(match.mapping.size, new Set(c.labelsPred).size, 'mapping covers every cluster');
      // The matched count is what the assignment achieves.
      let onDiag = 0;
      for (let i = 0; i < c.labelsTrue.length; i++) if (match.assignment.get(c.labelsPred[i]!) === c.labelsTrue[i]) onDiag++;
      assert.equal(onDiag, c.matched);

      // Report, confusion and text on scipy's mapped labels (ties may make our mapping differ).
      const mapped = c.mapped!;
      const rep = classificationReport(c.labelsTrue, mapped);
      const dict = classificationReportToDict(rep);
      assert.deepEqual(Object.keys(dict), Object.keys(c.report!), 'report keys and order');
      for (const [key, expected] of Object.entries(c.report!)) {
        const actual = dict[key]!;
        if (typeof expected === 'number') {
          assertClose(actual as number, expected, TOL, `report.${key}`);
          continue;
        }
        for (const field of ['precision', 'recall', 'f1-score', 'support'] as const) {
          assertClose((actual as Record<string, number>)[field]!, (expected as ReportEntry)[field], TOL, `report['${key}'].${field}`);
        }
      }
      assert.equal(formatClassificationReport(rep), c.reportText, 'text report (digits = 2)');
      assert.equal(formatClassificationReport(rep, 4), c.reportText4, 'text report (digits = 4)');
      const cm = confusionMatrix(c.labelsTrue, mapped, c.confusion!.labels);
      assert.deepEqual(Array.from(cm.counts), c.confusion!.counts, 'confusion matrix');
      assert.deepEqual(confusionMatrix(c.labelsTrue, mapped).labels, c.confusion!.labels, 'default confusion labels');

      // Our own mapping gives the same mapped labels whenever it equals scipy's assignment.
      const ours = mapClusters(c.labelsPred, match);
      const scipyMapping = new Map(c.mapping!);
      const same = Array.from(match.mapping).every(([k, v]) => scipyMapping.get(k) === v);
      if (same) assert.deepEqual(Array.from(ours), mapped);

      const s = scoreClustering(c.labelsTrue, c.labelsPred);
      assertClose(s.nmi, c.nmi, TOL, 'scoreClustering.nmi');
      assertClose(s.ari, c.ari, TOL, 'scoreClustering.ari');
      assertClose(s.acc, c.acc!, TOL, 'scoreClustering.acc');
      if (same) assertClose(s.report.accuracy, c.report!['accuracy'] as number, TOL, 'scoreClustering.report.accuracy');
    }
  });
}

for (const f of fixture.formulaCases) {
  test(`sklearn fixture, 70k labels: ${f.name}`, () => {
    const N = f.n;
    const t = hashLabels(N, 2654435761, 10);
    const noise = hashLabels(N, 2246822519, 100, 12345);
    const other = hashLabels(N, 3266489917, 10, 777);
    let yt: Int32Array;
    let yp: Int32Array;
    switch (f.name) {
      case 'hash70k random': yt = t; yp = other; break;
      case 'hash70k correlated':
        yt = t;
        yp = Int32Array.from(t, (v, i) => (noise[i]! < 60 ? (v * 3 + 1) % 10 : other[i]!));
        break;
      case 'hash70k 1000 clusters': yt = t; yp = hashLabels(N, 668265263, 1000, 99); break;
      case 'hash70k identical singletons': yt = Int32Array.from({ length: N }, (_, i) => i); yp = yt.slice(); break;
      default: throw new Error(`unknown formula case ${f.name}`);
    }
    assert.deepEqual(Array.from(yt.subarray(0, 20)), f.labelsTrueHead, 'formula reproduces labelsTrue');
    assert.deepEqual(Array.from(yp.subarray(0, 20)), f.labelsPredHead, 'formula reproduces labelsPred');
    assertClose(nmi(yt, yp), f.nmi, TOL, 'nmi');
    assertClose(ari(yt, yp), f.ari, TOL, 'ari');
    if (f.acc !== undefined) assertClose(clusteringAccuracy(yt, yp), f.acc, TOL, 'acc');
  });
}
