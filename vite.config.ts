import { defineConfig, type Plugin, type PreviewServer, type ViteDevServer } from 'vite';
import react from '@vitejs/plugin-react';
import { createReadStream, existsSync, statSync } from 'node:fs';
import { resolve, normalize, sep } from 'node:path';

// Cross-origin isolation, so SharedArrayBuffer (and wasm threads) are available.
const isolation = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
};

// Sent with every response, dev and preview alike: no MIME sniffing (a dataset or model file served
// as text never runs as script or style), and no Referer to any other origin (the Hub's hosts
// learn nothing of where the studio is served).
const hardening = {
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'same-origin',
};

// The Hugging Face Hub, for datasets (src/data/hub.ts): the datasets-server API, and the hosts its
// parquet URLs redirect through (CSP checks every hop). VITE_HF_ENDPOINT moves the API elsewhere.
// For models, the hosts src/model/hub reads through (its HUB_FILE_HOSTS, which a test checks are all
// here: huggingface.co and the CDNs its /resolve URLs redirect LFS and Xet-stored files to; the
// engine avoids Xet's CAS hosts), and VITE_HF_MODEL_ENDPOINT for a mirror or a test's stand-in.
const envOrigin = (name: string) => (process.env[name] ? [new URL(process.env[name]).origin] : []);
const hubOrigins = [
  'https://datasets-server.huggingface.co',
  'https://huggingface.co',
  'https://cdn-lfs.huggingface.co',
  'https://cdn-lfs-us-1.huggingface.co',
  'https://cdn-lfs-eu-1.huggingface.co',
  'https://cdn-lfs.hf.co',
  'https://cdn-lfs-us-1.hf.co',
  'https://cdn-lfs-eu-1.hf.co',
  'https://cas-bridge.xethub.hf.co',
  ...envOrigin('VITE_HF_ENDPOINT'),
  ...envOrigin('VITE_HF_MODEL_ENDPOINT'),
];

// Content-Security-Policy for the built app: scripts only from this origin; wasm may compile
// ('wasm-unsafe-eval') and tfjs-wasm's threads start as blob: workers; inline styles are allowed
// because the charts set style attributes; nothing is framed or embedded, and nothing is fetched
// from elsewhere but the Hub's dataset and model hosts.
// Dataset and model text never becomes markup; this is the second line of defence if it did.
const csp = [
  "default-src 'self'",
  "script-src 'self' 'wasm-unsafe-eval' blob:",
  "worker-src 'self' blob:",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data: blob:",
  `connect-src 'self' blob: data: ${hubOrigins.join(' ')}`,
  "object-src 'none'",
  "base-uri 'self'",
  "frame-ancestors 'none'",
].join('; ');

// The default data: ../shared/data/xsum beside the repo, or STUDIO_XSUM_DIR. Served read-only at
// /data/xsum/* by both the dev and the preview server (never copied into the build).
const xsumDir = resolve(process.env.STUDIO_XSUM_DIR ?? resolve(import.meta.dirname, '../shared/data/xsum'));

function serveDefaultData(): Plugin {
  const handler = (server: ViteDevServer | PreviewServer) => {
    server.middlewares.use('/data/xsum/', (req, res, next) => {
      const name = decodeURIComponent((req.url ?? '/').split('?')[0]).replace(/^\/+/, '');
      const file = normalize(resolve(xsumDir, name));
      if (!file.startsWith(xsumDir + sep) || !/\.(jsonl|json|csv|tsv)$/.test(file)) return next();
      if (!existsSync(file) || !statSync(file).isFile()) {
        res.statusCode = 404;
        res.end(`default data not found: ${file} (set STUDIO_XSUM_DIR)`);
        return;
      }
      res.setHeader('Content-Type', 'application/x-ndjson; charset=utf-8');
      res.setHeader('Cross-Origin-Resource-Policy', 'same-origin');
      for (const [k, v] of Object.entries({ ...isolation, ...hardening })) res.setHeader(k, v);
      createReadStream(file).pipe(res);
    });
  };
  return { name: 'studio-default-data', configureServer: handler, configurePreviewServer: handler };
}

export default defineConfig({
  plugins: [react(), serveDefaultData()],
  server: { headers: { ...isolation, ...hardening }, port: 5173 },
  // The dev server keeps no CSP: Vite's hot reload injects inline scripts.
  preview: { headers: { ...isolation, ...hardening, 'Content-Security-Policy': csp }, port: 4173 },
  // A minified build broke the wasm backend inside a worker ("e is not defined"): keep it readable.
  build: {
    minify: false,
    // No source maps unless asked (STUDIO_SOURCEMAP=1): a served build need not hand out its
    // sources, and the unminified bundle already reads well enough in a stack trace.
    sourcemap: process.env.STUDIO_SOURCEMAP === '1',
    target: 'es2022',
    // Two pages: the app, and the benchmark page `npm run bench` drives (src/bench/).
    // rolldownOptions is Vite 8's name for rollupOptions (which it keeps as a deprecated alias).
    rolldownOptions: {
      input: { main: resolve(import.meta.dirname, 'index.html'), bench: resolve(import.meta.dirname, 'bench.html') },
    },
  },
  worker: { format: 'es' },
  optimizeDeps: { exclude: ['@tensorflow/tfjs-backend-wasm'] },
});
