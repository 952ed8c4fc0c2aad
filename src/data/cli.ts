/** `npm run data [-- --dir DIR --force]`: downloads the official files into ./data. */
import { downloadFashionMnist } from './download.js';

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const dirIdx = args.indexOf('--dir');
  const dir = dirIdx >= 0 ? args[dirIdx + 1] : undefined;
  const out = await downloadFashionMnist({ dir, force: args.includes('--force'), onProgress: (m) => console.log(m) });
  console.log(`Fashion-MNIST is in ${out}`);
}

main().catch((err: Error) => {
  console.error(err.message);
  process.exitCode = 1;
});
