import { checkLabelPair, type Labels } from './labels.js';
import { checkLabelList, unionLabels } from './confusion.js';

/** Precision, recall, F1 and support of one class or one average. */
export interface ClassScores {
  readonly precision: number;
  readonly recall: number;
  readonly f1: number;
  /** Number of true samples (for averages: the sum over the reported classes). */
  readonly support: number;
}

/** One class row of a {@link ClassificationReport}. */
export interface ClassReportRow extends ClassScores {
  /** Label value. */
  readonly label: number;
  /** Display name: `classNames[label]` if given, else the label as a string. */
  readonly name: string;
}

/** Result of {@link classificationReport}. */
export interface ClassificationReport {
  /** One row per label, in label order. */
  readonly classes: ClassReportRow[];
  /** Fraction of all samples predicted correctly. */
  readonly accuracy: number;
  /**
   * Micro average, present only when an explicit `labels` list differs from the labels seen (then
   * the text report shows "micro avg" instead of "accuracy", as scikit-learn does).
   */
  readonly microAvg?: ClassScores;
  /** Unweighted mean over classes. */
  readonly macroAvg: ClassScores;
  /** Mean over classes weighted by support. */
  readonly weightedAvg: ClassScores;
}

/** Options of {@link classificationReport}. */
export interface ClassificationReportOptions {
  /**
   * Display names indexed by label value (`classNames[label]`, e.g. Fashion-MNIST's `CLASS_NAMES`)
   * or a Map from label to name. Default: the label values as strings.
   */
  classNames?: readonly string[] | ReadonlyMap<number, string>;
  /** Labels to report, in order. Default: every value of either array, increasing. */
  labels?: readonly number[];
}

/** zero_division = 0: a ratio with a zero denominator is 0. */
function ratio(num: number, den: number): number {
  return den === 0 ? 0 : num / den;
}

function f1Of(p: number, r: number): number {
  const denom = p + r;
  return denom === 0 ? 0 : (2 * p * r) / denom;
}

function nameOf(label: number, names: ClassificationReportOptions['classNames']): string {
  if (names === undefined) return String(label);
  const name = names instanceof Map ? names.get(label) : (names as readonly string[])[label];
  if (typeof name !== 'string') {
    throw new RangeError(
      `classNames has no name for label ${label}: give an array indexed by label value (classNames[${label}]) or a Map that covers every label.`,
    );
  }
  return name;
}

/**
 * Per-class precision, recall, F1 and support, accuracy, macro and weighted averages: scikit-learn's
 * `classification_report(y_true, y_pred, output_dict=True, zero_division=0)` as a typed object.
 * A class never predicted gets precision 0; a class absent from `labelsTrue` gets recall 0 (no warning).
 * For clusterings, map cluster ids to classes first (`mapClusters(labelsPred, matchClusters(...))`).
 *
 * @param labelsTrue True labels.
 * @param labelsPredMapped Predicted class labels of the same samples.
 * @param options `classNames` (by label value), `labels` (subset/order; default all seen labels).
 * @throws TypeError | RangeError on invalid labels, a bad `labels` list, or a missing class name.
 * @example
 * const r = classificationReport([0, 1, 2, 2, 2], [0, 0, 2, 2, 1]);
 * // r.classes[0] = { label: 0, name: '0', precision: 0.5, recall: 1, f1: 0.667, support: 1 }
 * // r.accuracy = 0.6; formatClassificationReport(r) gives sklearn's text table
 */
export function classificationReport(
  labelsTrue: Labels,
  labelsPredMapped: Labels,
  options: ClassificationReportOptions = {},
): ClassificationReport {
  checkLabelPair(labelsTrue, labelsPredMapped, 'labelsTrue', 'labelsPredMapped');
  const seen = unionLabels(labelsTrue, labelsPredMapped);
  if (options.labels !== undefined) checkLabelList(options.labels);
  const labels = options.labels ? [...options.labels] : seen;
  const index = new Map<number, number>();
  labels.forEach((v, k) => index.set(v, k));
  const L = labels.length;
  const tp = new Float64Array(L);
  const predCount = new Float64Array(L);
  const support = new Float64Array(L);
  const n = labelsTrue.length;
  let correct = 0;
  for (let s = 0; s < n; s++) {
    const t = labelsTrue[s]!;
    const p = labelsPredMapped[s]!;
    const it = index.get(t);
    const ip = index.get(p);
    if (it !== undefined) support[it]!++;
    if (ip !== undefined) predCount[ip]!++;
    if (t === p) {
      correct++;
      if (it !== undefined) tp[it]!++;
    }
  }
  const classes: ClassReportRow[] = labels.map((label, k) => {
    const precision = ratio(tp[k]!, predCount[k]!);
    const recall = ratio(tp[k]!, support[k]!);
    return { label, name: nameOf(label, options.classNames), precision, recall, f1: f1Of(precision, recall), support: support[k]! };
  });
  let totalSupport = 0;
  let sumTp = 0;
  let sumPred = 0;
  const macro = { precision: 0, recall: 0, f1: 0 };
  const weighted = { precision: 0, recall: 0, f1: 0 };
  for (let k = 0; k < L; k++) {
    const c = classes[k]!;
    totalSupport += c.support;
    sumTp += tp[k]!;
    sumPred += predCount[k]!;
    macro.precision += c.precision;
    macro.recall += c.recall;
    macro.f1 += c.f1;
    weighted.precision += c.precision * c.support;
    weighted.recall += c.recall * c.support;
    weighted.f1 += c.f1 * c.support;
  }
  const macroAvg: ClassScores = { precision: macro.precision / L, recall: macro.recall / L, f1: macro.f1 / L, support: totalSupport };
  const weightedAvg: ClassScores = {
    precision: ratio(weighted.precision, totalSupport),
    recall: ratio(weighted.recall, totalSupport),
    f1: ratio(weighted.f1, totalSupport),
    support: totalSupport,
  };
  const sameAsSeen = labels.length === seen.length && seen.every((v) => index.has(v));
  const report: ClassificationReport = { classes, accuracy: correct / n, macroAvg, weightedAvg };
  if (sameAsSeen) return report;
  const mp = ratio(sumTp, sumPred);
  const mr = ratio(sumTp, totalSupport);
  return { ...report, microAvg: { precision: mp, recall: mr, f1: f1Of(mp, mr), support: totalSupport } };
}

/**
 * The report as scikit-learn's `output_dict=True` dictionary: `{ [name]: {precision, recall,
 * 'f1-score', support}, accuracy, 'macro avg', 'weighted avg' }` ("micro avg" instead of "accuracy"
 * when the report has `microAvg`). Handy for tables and JSON. Note: JavaScript lists integer-like
 * keys (class names such as "3") first and in increasing order, whatever the report order.
 */
export function classificationReportToDict(report: ClassificationReport): Record<string, number | Record<string, number>> {
  const entry = (s: ClassScores): Record<string, number> => ({ precision: s.precision, recall: s.recall, 'f1-score': s.f1, support: s.support });
  const out: Record<string, number | Record<string, number>> = {};
  for (const c of report.classes) out[c.name] = entry(c);
  if (report.microAvg) out['micro avg'] = entry(report.microAvg);
  else out['accuracy'] = report.accuracy;
  out['macro avg'] = entry(report.macroAvg);
  out['weighted avg'] = entry(report.weightedAvg);
  return out;
}

/**
 * Formats `x` with `digits` decimals, rounding the exact binary value half to even, as Python's
 * `format(x, '.2f')` does (`Number#toFixed` rounds exact ties up instead).
 * @internal
 */
export function formatFixed(x: number, digits: number): string {
  if (!Number.isFinite(x)) return String(x);
  const negative = x < 0 || Object.is(x, -0);
  const exact = Math.abs(x).toFixed(100); // exact decimal expansion for |x| < 1e21
  const dot = exact.indexOf('.');
  const intPart = exact.slice(0, dot);
  const frac = exact.slice(dot + 1);
  let kept = intPart + frac.slice(0, digits);
  const next = frac.charCodeAt(digits) - 48;
  const restNonZero = /[1-9]/.test(frac.slice(digits + 1));
  const lastKept = kept.charCodeAt(kept.length - 1) - 48;
  const roundUp = next > 5 || (next === 5 && (restNonZero || lastKept % 2 === 1));
  if (roundUp) {
    const digitsArr = kept.split('');
    let k = digitsArr.length - 1;
    while (k >= 0) {
      if (digitsArr[k] === '9') {
        digitsArr[k] = '0';
        k--;
      } else {
        digitsArr[k] = String.fromCharCode(digitsArr[k]!.charCodeAt(0) + 1);
        break;
      }
    }
    kept = (k < 0 ? '1' : '') + digitsArr.join('');
  }
  const intLen = kept.length - digits;
  const body = digits > 0 ? `${kept.slice(0, intLen)}.${kept.slice(intLen)}` : kept;
  return negative && /[1-9]/.test(body) ? `-${body}` : body;
}

/**
 * The familiar fixed-width text table of scikit-learn's `classification_report` (same layout,
 * same rounding), ending with a newline.
 *
 * @param report A {@link classificationReport} result.
 * @param digits Decimals for the scores. Default 2.
 * @example
 * console.log(formatClassificationReport(classificationReport(yTrue, yMapped, { classNames: CLASS_NAMES })));
 * //               precision    recall  f1-score   support
 * //
 * //  T-shirt/top       0.50      1.00      0.67         1
 * //  ...
 * //     accuracy                           0.60         5
 * //    macro avg       0.50      0.56      0.49         5
 * // weighted avg       0.70      0.60      0.61         5
 */
export function formatClassificationReport(report: ClassificationReport, digits = 2): string {
  if (!Number.isInteger(digits) || digits < 0 || digits > 20) throw new RangeError(`digits must be an integer in 0..20, got ${digits}.`);
  const headers = ['precision', 'recall', 'f1-score', 'support'];
  const lastHeading = 'weighted avg';
  const nameWidth = Math.max(...report.classes.map((c) => c.name.length));
  const width = Math.max(nameWidth, lastHeading.length, digits);
  const cell = (s: string): string => ' ' + s.padStart(9);
  const row = (name: string, s: ClassScores): string =>
    name.padStart(width) + ' ' + cell(formatFixed(s.precision, digits)) + cell(formatFixed(s.recall, digits)) +
    cell(formatFixed(s.f1, digits)) + cell(String(s.support)) + '\n';
  let out = ''.padStart(width) + ' ' + headers.map(cell).join('') + '\n\n';
  for (const c of report.classes) out += row(c.name, c);
  out += '\n';
  if (report.microAvg) {
    out += row('micro avg', report.microAvg);
  } else {
    out += 'accuracy'.padStart(width) + ' ' + cell('') + cell('') + cell(formatFixed(report.accuracy, digits)) +
      cell(String(report.macroAvg.support)) + '\n';
  }
  out += row('macro avg', report.macroAvg);
  out += row('weighted avg', report.weightedAvg);
  return out;
}
