#!/usr/bin/env node
// Runs every test/**/*.test.ts with Node's built-in test runner (TypeScript through tsx).
// Node 20's --test does not expand globs, so the files are listed here.
// Usage: node scripts/run-tests.mjs [substring-filter ...]
import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { spawnSync } from 'node:child_process';

const root = new URL('..', import.meta.url).pathname;
const filters = process.argv.slice(2);

function walk(dir) {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    return statSync(p).isDirectory() ? walk(p) : [p];
  });
}

const files = walk(join(root, 'test'))
  .filter((f) => f.endsWith('.test.ts'))
  .map((f) => relative(root, f))
  .filter((f) => filters.length === 0 || filters.some((s) => f.includes(s)))
  .sort();

if (files.length === 0) {
  console.error(`No test files match ${filters.join(', ') || 'test/**/*.test.ts'}.`);
  process.exit(1);
}

const args = ['--import', 'tsx', '--test', '--test-concurrency=1', '--test-reporter=spec', ...files];
const result = spawnSync(process.execPath, args, { cwd: root, stdio: 'inherit', env: process.env });
process.exit(result.status ?? 1);
