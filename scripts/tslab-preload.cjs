// Loaded into the tslab kernel before tslab starts (`node --require`, in the kernel spec that
// scripts/setup.sh writes): installs src/notebook/kernel-hints.ts (a restart hint under
// "Cannot find name …" in a kernel that has run no cell yet; thrown errors printed message first).
// Before `npm run build` there is no dist/: the kernel then starts without the hints.
'use strict';
const path = require('node:path');
let hints;
try {
  hints = require(path.join(__dirname, '..', 'dist', 'notebook', 'kernel-hints.js'));
} catch (err) {
  if (err && err.code !== 'MODULE_NOT_FOUND') throw err;
}
if (hints) hints.installKernelHints({ console, declaredNames: hints.tslabDeclaredNames, root: path.join(__dirname, '..') });
