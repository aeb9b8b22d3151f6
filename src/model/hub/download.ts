// Downloads a planned Hub model into the cache and returns its files. Hand-written around fetch
// rather than @huggingface/hub's downloadFile because resuming needs what it does not offer: a
// Range request from the bytes already cached, a check that the server honoured it (206 with the
// matching Content-Range; anything else restarts the file), chunked writes so a cut connection or a
// reload loses at most one chunk, and progress in bytes, MB/s and ETA. Files already complete in
// the cache cost no request. Every file is verified against the listing: its size, then its
// sha256 (LFS files) or git blob oid (the others); a file that fails is discarded, never kept.
import type { ModelFile } from '../io/model-files';
import type { CacheFileKey, ModelCache } from './cache';
import { authHeaders, HubError, resolveUrl, responseError, scrub, type HubAccess } from './hub-client';
import type { HubFile, HubModelPlan } from './plan';

export type HubFileState = 'queued' | 'cached' | 'downloading' | 'done';

export interface HubFileProgress {
  path: string;
  size: number;
  bytes: number; // held so far (cached + fetched)
  state: HubFileState;
}

export interface HubDownloadProgress {
  file: string; // the file being worked on
  bytes: number; // all files, held so far
  total: number; // all files
  fetched: number; // bytes that came over the network in this call
  bytesPerSecond: number; // recent network rate (0 before any)
  etaSeconds: number | null; // null until a rate is known
  files: HubFileProgress[];
}

export interface DownloadOptions {
  access?: HubAccess;
  signal?: AbortSignal;
  onProgress?: (p: HubDownloadProgress) => void;
  /** Bytes per cache write: what a reload mid-download can lose at most (default 4 MiB). */
  chunkBytes?: number;
  /** Automatic resumes after a dropped connection, per file (default 3). */
  retries?: number;
  retryDelayMs?: number; // default 1000, doubled each time
  now?: () => number; // ms clock, for tests
}

const MiB = 1024 * 1024;

export class DownloadCancelled extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'AbortError'; // what fetch's own cancellation is called, so callers test one name
  }
}

/** Network rate over a sliding window of the last few seconds. */
class Rate {
  private samples: [number, number][] = [];
  constructor(private readonly now: () => number) {}
  add(bytes: number) {
    const t = this.now();
    this.samples.push([t, bytes]);
    while (this.samples.length > 2 && t - this.samples[0][0] > 5000) this.samples.shift();
  }
  perSecond(): number {
    if (this.samples.length < 2) return 0;
    const dt = (this.samples[this.samples.length - 1][0] - this.samples[0][0]) / 1000;
    const bytes = this.samples.slice(1).reduce((a, s) => a + s[1], 0);
    return dt > 0 ? bytes / dt : 0;
  }
}

const hex = (b: ArrayBuffer) => [...new Uint8Array(b)].map((x) => x.toString(16).padStart(2, '0')).join('');

/** sha256 (LFS) or git blob sha1 of the bytes, when the listing gave one and WebCrypto is here. */
async function checkDigest(f: HubFile, bytes: Uint8Array<ArrayBuffer>): Promise<string | null> {
  const subtle = globalThis.crypto?.subtle;
  if (!subtle) return null; // insecure contexts have no WebCrypto: the size check still ran
  if (f.sha256) {
    const got = hex(await subtle.digest('SHA-256', bytes));
    return got === f.sha256 ? null : `sha256 ${got.slice(0, 12)}…, expected ${f.sha256.slice(0, 12)}…`;
  }
  if (f.gitOid && /^[0-9a-f]{40}$/.test(f.gitOid)) {
    const head = new TextEncoder().encode(`blob ${bytes.byteLength}\0`);
    const all = new Uint8Array(head.byteLength + bytes.byteLength);
    all.set(head);
    all.set(bytes, head.byteLength);
    const got = hex(await subtle.digest('SHA-1', all));
    return got === f.gitOid ? null : `git oid ${got.slice(0, 12)}…, expected ${f.gitOid.slice(0, 12)}…`;
  }
  return null;
}

const isAbort = (e: unknown) => (e as { name?: string } | null)?.name === 'AbortError';
const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve) => {
    const t = setTimeout(resolve, ms);
    signal?.addEventListener('abort', () => (clearTimeout(t), resolve()), { once: true });
  });

/** Fetches a plan's files into the cache (resuming partial ones) and returns them, in plan order. */
export async function downloadHubModel(
  plan: HubModelPlan,
  cache: ModelCache,
  opts: DownloadOptions = {},
): Promise<ModelFile[]> {
  const access = opts.access ?? {};
  const now = opts.now ?? (() => Date.now());
  const chunkBytes = Math.max(1, opts.chunkBytes ?? 4 * MiB);
  const rate = new Rate(now);
  const files: HubFileProgress[] = plan.files.map((f) => ({ path: f.path, size: f.size, bytes: 0, state: 'queued' }));
  const total = plan.downloadBytes;
  let fetched = 0;
  let lastEmit = -Infinity;
  let trailing: ReturnType<typeof setTimeout> | undefined;
  // At most one event per 100 ms, and the last state always reported (a stalled download included).
  const emit = (file: string, force = false) => {
    if (!opts.onProgress) return;
    const t = now();
    if (!force && t - lastEmit < 100) {
      trailing ??= setTimeout(() => ((trailing = undefined), emit(file, true)), 100);
      return;
    }
    clearTimeout(trailing);
    trailing = undefined;
    lastEmit = t;
    const bytes = files.reduce((a, f) => a + f.bytes, 0);
    const bps = rate.perSecond();
    opts.onProgress({
      file,
      bytes,
      total,
      fetched,
      bytesPerSecond: bps,
      etaSeconds: bps > 0 ? (total - bytes) / bps : bytes === total ? 0 : null,
      files: files.map((f) => ({ ...f })),
    });
  };
  const cancelled = (f: HubFile, held: number) =>
    new DownloadCancelled(
      `download of ${plan.repo} cancelled during ${f.path} (${held} of ${f.size} bytes kept); download again to resume`,
    );

  try {
    return await downloadFiles();
  } finally {
    clearTimeout(trailing);
  }

  async function downloadFiles(): Promise<ModelFile[]> {
    await cache.saveManifest(plan); // lists the model (partly cached) before any byte moves
    const out: ModelFile[] = [];
    for (let i = 0; i < plan.files.length; i++) {
      const f = plan.files[i];
      const p = files[i];
      const key: CacheFileKey = { repo: plan.repo, commit: plan.commit, path: f.path, etag: f.etag };
      const target = new Uint8Array(f.size);
      let state = await cache.fileState(key);
      if (state.complete && state.bytes === f.size) {
        await cache.readInto(key, target);
        p.bytes = f.size;
        p.state = 'cached';
        emit(f.path, true);
        out.push({ name: f.path, bytes: target });
        continue;
      }
      if (state.complete || state.bytes > f.size) {
        await cache.discard(key); // a marker without its bytes, or more bytes than the file: start clean
        state = await cache.fileState(key);
      }
      let held = await cache.readInto(key, target);
      let chunkIndex = state.chunks.length;
      let flushed = held; // target[0, flushed) is in the cache
      // Chunks of at most chunkBytes, whatever size the network delivered.
      const flush = async () => {
        while (held > flushed) {
          const end = Math.min(held, flushed + chunkBytes);
          await cache.appendChunk(key, chunkIndex, target.subarray(flushed, end));
          chunkIndex++;
          flushed = end;
        }
      };
      const restart = async () => {
        await cache.discard(key);
        held = flushed = chunkIndex = 0;
        p.bytes = 0;
      };
      p.bytes = held;
      p.state = 'downloading';
      emit(f.path, true);

      let attempt = 0;
      while (held < f.size) {
        if (opts.signal?.aborted) throw cancelled(f, held);
        const from = held;
        let res: Response;
        try {
          res = await (access.fetch ?? fetch)(resolveUrl(access, plan.repo, plan.commit, f.path), {
            headers: { ...authHeaders(access), ...(from > 0 ? { Range: `bytes=${from}-` } : {}) },
            signal: opts.signal,
            // The model cache is the cache: the HTTP cache would keep a second copy of every weight
            // file and answer our Range requests from its own partial entries.
            cache: 'no-store',
          });
        } catch (e) {
          if (isAbort(e) || opts.signal?.aborted) throw cancelled(f, held);
          if (attempt++ < (opts.retries ?? 3)) {
            await sleep((opts.retryDelayMs ?? 1000) * 2 ** (attempt - 1), opts.signal);
            continue;
          }
          throw new HubError(
            scrub(
              `${plan.repo}: could not download ${f.path}: ${(e as Error).message}; ${held} of ${f.size} bytes are kept — download again to resume`,
              access,
            ),
          );
        }
        if (!res.ok) throw await responseError(res, plan.repo, `download ${f.path}`, access);
        let announced: number | undefined;
        if (from > 0 && res.status === 206) {
          const m = /^bytes (\d+)-(\d+)\/(\d+|\*)$/.exec(res.headers.get('content-range') ?? '');
          if (!m || Number(m[1]) !== from) {
            await res.body?.cancel();
            await restart(); // a range we did not ask for: start the file over
            continue;
          }
          if (m[3] !== '*') announced = Number(m[3]);
        } else {
          if (from > 0) await restart(); // 200: the server ignored Range and sends the whole file
          const len = res.headers.get('content-length');
          if (len !== null && res.status === 200) announced = Number(len);
        }
        if (announced !== undefined && announced !== f.size) {
          await res.body?.cancel();
          await restart();
          throw new HubError(
            `${plan.repo}: ${f.path} is ${announced} bytes on the server, but the file listing says ${f.size}; the download was discarded (the repo may have changed: check the model again)`,
          );
        }
        if (!res.body) throw new HubError(`${plan.repo}: ${f.path}: the server sent no body`);

        const reader = res.body.getReader();
        try {
          for (;;) {
            const { done, value } = await reader.read();
            if (done) break;
            if (held + value.byteLength > f.size) {
              await reader.cancel();
              await restart();
              throw new HubError(
                `${plan.repo}: ${f.path} sent more than the ${f.size} bytes the listing says; the download was discarded`,
              );
            }
            target.set(value, held);
            held += value.byteLength;
            fetched += value.byteLength;
            p.bytes = held;
            rate.add(value.byteLength);
            if (held - flushed >= chunkBytes) await flush();
            emit(f.path);
          }
        } catch (e) {
          void reader.cancel().catch(() => undefined); // close the response whatever went wrong
          if (e instanceof HubError) throw e;
          await flush(); // what arrived is kept: the next request continues from it
          if (isAbort(e) || opts.signal?.aborted) throw cancelled(f, held);
          if (!(e instanceof TypeError) && !/terminated|network|reset|socket/i.test(String(e))) throw e;
          if (attempt++ < (opts.retries ?? 3)) {
            await sleep((opts.retryDelayMs ?? 1000) * 2 ** (attempt - 1), opts.signal);
            continue; // a dropped connection: resume with a Range request
          }
          throw new HubError(
            `${plan.repo}: the connection dropped while downloading ${f.path}; ${held} of ${f.size} bytes are kept — download again to resume`,
          );
        }
        if (held < f.size) {
          // The body ended cleanly but short: the server truncated the file.
          const sent = held - from;
          await restart();
          throw new HubError(
            `${plan.repo}: ${f.path} arrived truncated (${sent} bytes sent from offset ${from}, the file is ${f.size}); the download was discarded — try again`,
          );
        }
      }
      await flush();
      const bad = await checkDigest(f, target);
      if (bad) {
        await restart();
        throw new HubError(
          `${plan.repo}: ${f.path} does not match the listing (${bad}); the download was discarded — try again`,
        );
      }
      await cache.markComplete(key, f.size);
      p.state = 'done';
      emit(f.path, true);
      out.push({ name: f.path, bytes: target });
    }
    await cache.saveRef(plan.repo, plan.revision, plan.commit);
    return out;
  }
}
