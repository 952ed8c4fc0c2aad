import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import * as path from 'node:path';
import type { AddressInfo } from 'node:net';
import { OFFICIAL_FILES, downloadFashionMnist, locateDataset, loadFashionMnist } from '../../src/data/index.js';
import { tempDir } from '../helpers/tmp.js';

/** A local HTTP server standing in for the official mirror (tests never use the internet). */
async function serve(files: Record<string, Uint8Array | number>): Promise<{ server: Server; url: string; hits: string[] }> {
  const hits: string[] = [];
  const server = createServer((req, res) => {
    const name = path.basename(req.url ?? '');
    hits.push(name);
    const body = files[name];
    if (body === undefined) { res.statusCode = 404; res.end('not found'); return; }
    if (typeof body === 'number') { res.statusCode = body; res.end(); return; }
    res.end(Buffer.from(body));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`, hits };
}

const realDir = locateDataset();
const real = Object.fromEntries(OFFICIAL_FILES.map((f) => [f.name, new Uint8Array(readFileSync(path.join(realDir, f.name)))]));

test('downloads, verifies and atomically writes the four files; a second run keeps them', async () => {
  const dir = tempDir();
  const { server, url, hits } = await serve(real);
  try {
    const lines: string[] = [];
    await downloadFashionMnist({ dir, baseUrl: url, onProgress: (m) => lines.push(m) });
    assert.equal(lines.filter((l) => /downloaded/.test(l)).length, 4);
    const { train } = await loadFashionMnist({ dir });
    assert.equal(train.labels.length, 60000);
    assert.equal(hits.length, 4);
    await downloadFashionMnist({ dir, baseUrl: url });
    assert.equal(hits.length, 4, 'valid files are not fetched again');
    assert.deepEqual(readdirSync(dir).filter((f) => f.includes('.tmp-')), []);
  } finally {
    server.close();
  }
});

test('a corrupt download or an HTTP error writes nothing and says why', async () => {
  const dir = tempDir();
  const corrupt = { ...real, 'train-labels-idx1-ubyte.gz': real['train-labels-idx1-ubyte.gz']!.subarray(0, 1000) };
  const { server, url } = await serve(corrupt);
  try {
    await assert.rejects(downloadFashionMnist({ dir, baseUrl: url }), /train-labels-idx1-ubyte\.gz: MD5 .* matches neither.*Nothing was written/);
    assert.equal(existsSync(path.join(dir, 'train-labels-idx1-ubyte.gz')), false);
  } finally {
    server.close();
  }
  const missing = await serve({ ...real, 't10k-images-idx3-ubyte.gz': 503 });
  try {
    await assert.rejects(downloadFashionMnist({ dir, baseUrl: missing.url }), /t10k-images-idx3-ubyte\.gz failed: HTTP 503/);
    assert.equal(existsSync(path.join(dir, 't10k-images-idx3-ubyte.gz')), false);
  } finally {
    missing.server.close();
  }
});
