// Entry point of the GPU check's bundle (scripts/gpu-check.mjs builds it into gpu-check-bundle/
// with the `webgpu` package's dawn.node, gzipped, and the Vulkan libraries beside it): checks the
// arguments, unpacks dawn.node for the bundled `webgpu` package, runs the check,
// prints the table and writes the JSON. Exit code 0 only when every check passed.
import {
  createReadStream,
  createWriteStream,
  existsSync,
  mkdirSync,
  renameSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { fileURLToPath } from 'node:url';
import { createGunzip } from 'node:zlib';
import { GPU_CHECK_USAGE, checkOutPath, parseGpuCheckArgs } from './args';

const log = (line: string) => console.log(`[gpu-check ${new Date().toISOString().slice(11, 19)}] ${line}`);

/**
 * The bundle carries the `webgpu` package's dawn.node gzipped (21 MB → 7 MB: the device machine
 * takes 64 MiB in all); it is unpacked into a temporary folder, once per bundle, and the bundled
 * package loads it from GPU_CHECK_DAWN_NODE (scripts/gpu-check.mjs rewrites its path).
 */
async function unpackDawn(here: string): Promise<void> {
  const gz = join(here, 'dawn.node.gz');
  if (!existsSync(gz)) throw new Error(`${gz} is missing: rebuild the bundle (npm run gpu-check -- --bundle)`);
  if (process.platform !== 'linux' || process.arch !== 'x64')
    throw new Error(`the bundle carries Dawn for linux-x64 only, this is ${process.platform}-${process.arch}`);
  const target = join(tmpdir(), `gpu-check-dawn-${statSync(gz).size}`, 'dawn.node');
  if (!existsSync(target)) {
    mkdirSync(dirname(target), { recursive: true });
    const tmp = `${target}.${process.pid}.tmp`; // a run killed mid-unpack leaves no half file under the real name
    await pipeline(createReadStream(gz), createGunzip(), createWriteStream(tmp));
    renameSync(tmp, target);
  }
  process.env.GPU_CHECK_DAWN_NODE = target;
}

async function main(): Promise<number> {
  let args;
  try {
    args = parseGpuCheckArgs(process.argv.slice(2), process.cwd());
    if (args.help) {
      console.log(GPU_CHECK_USAGE);
      return 0;
    }
    checkOutPath(args.out, (d) => mkdirSync(d, { recursive: true }));
  } catch (e) {
    console.error(`gpu-check: ${e instanceof Error ? e.message : String(e)}\n${GPU_CHECK_USAGE}`);
    return 2;
  }
  const here = dirname(fileURLToPath(import.meta.url));
  await unpackDawn(here);
  // Imported only now: the bundled `webgpu` package loads dawn.node when its module runs.
  const { runGpuCheck } = await import('./run');
  const { formatGpuCheck } = await import('./report');
  const libDir = existsSync(join(here, 'lib')) ? join(here, 'lib') : null;
  const out = args.out;
  // Written after every step (complete: false until the end), so a run cut off by a time limit
  // still leaves what it measured; a start that fails leaves the reason.
  const write = (data: object) => writeFileSync(out, `${JSON.stringify(data, null, 2)}\n`);
  let last: object = { node: process.version };
  let result;
  try {
    result = await runGpuCheck({ form: args.form, libDir, log, progress: (r) => write((last = r)) });
  } catch (e) {
    write({ ...last, ok: false, complete: false, error: e instanceof Error ? e.message : String(e) });
    throw e;
  }
  console.log(`\n${formatGpuCheck(result)}\n`);
  console.log(`gpu-check: wrote ${out}`);
  return result.ok ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (e: unknown) => {
    console.error(`gpu-check: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
    process.exit(1);
  },
);
