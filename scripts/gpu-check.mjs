#!/usr/bin/env node
// `npm run gpu-check`: builds the GPU check (dev/gpu-check/) into one self-contained folder,
// gpu-check-bundle/, and runs it: tfjs-webgpu in Node on Dawn over Vulkan, no browser. The folder
// travels to the device machine as is (node_modules does not: it is ignored and far over 64 MiB):
//
//   gpu-check-bundle/gpu-check.mjs      the check, every dependency inlined (rolldown, vite's bundler)
//   gpu-check-bundle/dawn.node.gz       the `webgpu` package's Dawn binding, gzipped (21 MB → 7 MB)
//   gpu-check-bundle/lib/               libvulkan.so.1 and libGLdispatch.so.0, loaded only where the system has none
//   gpu-check-bundle/node.gz            this Node binary, gzipped (≈ 34 MiB; the device image may have no node)
//   gpu-check-bundle/run.sh             the device command's body: picks a node, runs the check
//
//   npm run gpu-check -- [--out FILE] [--quick | --full]     build, then run here
//   npm run gpu-check -- --bundle [--no-node]                 build only (for the device machine)
//   … [--bundle-dir DIR]                                        build into DIR instead
// Other arguments go to the check (node gpu-check-bundle/gpu-check.mjs --help).
import { spawnSync } from 'node:child_process';
import {
  chmodSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const ENTRY = join(ROOT, 'dev/gpu-check/main.ts');
const DAWN = join(ROOT, 'node_modules/webgpu/dist/linux-x64/dawn.node');
// The Vulkan loader Chromium ships beside SwiftShader (needs only libc) and libglvnd's dispatcher,
// which NVIDIA's Vulkan ICD library links against.
const LIBS = [
  ['/usr/lib/chromium/libvulkan.so.1', 'libvulkan.so.1'],
  ['/lib/x86_64-linux-gnu/libGLdispatch.so.0', 'libGLdispatch.so.0'],
];
const MIB = 1024 * 1024;
const LIMIT = 64 * MIB;

function fail(message) {
  console.error(`gpu-check: ${message}`);
  process.exit(2);
}

let argv = process.argv.slice(2);
// --bundle-dir DIR: build elsewhere than gpu-check-bundle/ (the test does, so a bundle built for the
// device, node included, is not replaced by running the unit tests).
let BUNDLE = join(ROOT, 'gpu-check-bundle');
const dirAt = argv.indexOf('--bundle-dir');
if (dirAt >= 0) {
  if (!argv[dirAt + 1] || argv[dirAt + 1].startsWith('--')) fail('--bundle-dir needs a folder');
  BUNDLE = resolve(argv[dirAt + 1]);
  argv = [...argv.slice(0, dirAt), ...argv.slice(dirAt + 2)];
}
const bundleOnly = argv.includes('--bundle');
const withNode = bundleOnly && !argv.includes('--no-node'); // a local run uses the node running this
const passOn = argv.filter((a) => a !== '--bundle' && a !== '--no-node');
if (!bundleOnly && argv.includes('--no-node')) fail('--no-node goes with --bundle');
if (bundleOnly && passOn.length > 0) fail(`--bundle builds only; these would be ignored: ${passOn.join(' ')}`);

/**
 * The `webgpu` package loads dist/<platform>-<arch>/dawn.node beside its own file, which in the
 * bundle is beside gpu-check.mjs. The bundle carries dawn.node gzipped and main.ts unpacks it into a
 * temporary folder (the carried folder stays as built: unpacked beside it, it would add 21 MB and
 * push a carry of it over 64 MiB), so the path becomes the one main.ts puts in GPU_CHECK_DAWN_NODE.
 */
function dawnPathPlugin() {
  const line = "const dawnNodePath = join(__dirname, 'dist', `${process.platform}-${arch}`, 'dawn.node');";
  return {
    name: 'gpu-check-dawn-path',
    transform(code, id) {
      if (!/[\\/]node_modules[\\/]webgpu[\\/]index\.js$/.test(id)) return null;
      if (!code.includes(line))
        throw new Error(`node_modules/webgpu/index.js no longer has the line this build rewrites: ${line}`);
      return code.replace(line, 'const dawnNodePath = process.env.GPU_CHECK_DAWN_NODE;');
    },
  };
}

async function build() {
  if (process.platform !== 'linux' || process.arch !== 'x64')
    fail(`the bundle carries linux-x64 binaries (the device machine's); this is ${process.platform}-${process.arch}`);
  if (!existsSync(DAWN)) fail(`${DAWN} is missing (npm ci installs the webgpu package)`);
  const t0 = performance.now();
  // Only a folder this script made (or an empty one) is replaced: --bundle-dir could name anything.
  if (existsSync(BUNDLE)) {
    const entries = readdirSync(BUNDLE);
    const ours = ['gpu-check.mjs', 'dawn.node.gz', 'lib', 'run.sh', 'node.gz', 'dist'];
    if (entries.some((e) => !ours.includes(e)))
      fail(
        `${BUNDLE} holds files this script did not make (${entries.filter((e) => !ours.includes(e)).join(', ')}): not replacing it`,
      );
    rmSync(BUNDLE, { recursive: true, force: true });
  }
  mkdirSync(join(BUNDLE, 'lib'), { recursive: true });
  const { build: rolldown } = await import('rolldown');
  await rolldown({
    input: ENTRY,
    platform: 'node',
    // The packages' ES module builds, as Vite and Vitest resolve them: platform 'node' alone prefers
    // "main", and tfjs's CommonJS node builds are not in its "sideEffects" lists, so the cpu backend's
    // registration was shaken out of the bundle (and tfjs-core came in twice, one engine each).
    resolve: { mainFields: ['module', 'main'] },
    logLevel: 'warn',
    plugins: [dawnPathPlugin()],
    output: { file: join(BUNDLE, 'gpu-check.mjs'), format: 'esm', codeSplitting: false },
  });
  writeFileSync(join(BUNDLE, 'dawn.node.gz'), gzipSync(readFileSync(DAWN), { level: 6 }));
  for (const [from, to] of LIBS) {
    if (existsSync(from)) copyFileSync(from, join(BUNDLE, 'lib', to));
    else console.warn(`gpu-check: ${from} not found here: the bundle will rely on the device's own ${to}`);
  }
  if (withNode) writeFileSync(join(BUNDLE, 'node.gz'), gzipSync(readFileSync(process.execPath), { level: 6 }));
  // The device command's body. A carried node first (its version is known), then the system's.
  const runSh = join(BUNDLE, 'run.sh');
  writeFileSync(
    runSh,
    [
      '#!/bin/sh',
      '# Runs the GPU check from this folder: node gpu-check-bundle/run.sh --out FILE [--quick | --full]',
      'B=$(dirname "$0")',
      'if [ -f "$B/node.gz" ]; then',
      '  [ -x /tmp/gpu-check-node ] || { gunzip -c "$B/node.gz" > /tmp/gpu-check-node && chmod +x /tmp/gpu-check-node; } || exit 1',
      '  N=/tmp/gpu-check-node',
      'else',
      '  N=$(command -v node) || { echo "gpu-check: no node here and none in $B (build with --bundle, without --no-node)"; exit 1; }',
      'fi',
      'echo "gpu-check: $($N --version) ($N)"',
      'exec "$N" "$B/gpu-check.mjs" "$@"',
      '',
    ].join('\n'),
  );
  chmodSync(runSh, 0o755);
  const sizes = ['gpu-check.mjs', 'dawn.node.gz', 'node.gz', 'lib/libvulkan.so.1', 'lib/libGLdispatch.so.0', 'run.sh']
    .filter((f) => existsSync(join(BUNDLE, f)))
    .map((f) => [f, statSync(join(BUNDLE, f)).size]);
  const total = sizes.reduce((a, [, s]) => a + s, 0);
  console.log(
    `gpu-check: built ${BUNDLE} in ${((performance.now() - t0) / 1000).toFixed(1)} s: ` +
      `${sizes.map(([f, s]) => `${f} ${(s / MIB).toFixed(1)} MiB`).join(', ')}; ${(total / MIB).toFixed(1)} MiB in all`,
  );
  if (total > LIMIT - 4 * MIB)
    console.warn(`gpu-check: the bundle leaves under 4 MiB of the device machine's 64 MiB for the working tree`);
}

await build();
if (!bundleOnly) {
  const r = spawnSync(process.execPath, [join(BUNDLE, 'gpu-check.mjs'), ...passOn], { stdio: 'inherit' });
  process.exit(r.status ?? 1);
}
