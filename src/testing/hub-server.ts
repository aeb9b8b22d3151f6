// A local stand-in for the Hugging Face Hub, serving the repos a test gives it on the routes
// @huggingface/hub and src/model/hub call: model info by revision, the file tree, and file bytes
// (/resolve and /raw) with Range/206, ETag, X-Repo-Commit and Content-Length. It answers as the Hub
// does where a test looks: 404 RepoNotFound / RevisionNotFound / EntryNotFound in HF's error shape,
// 401 for a gated repo without a token and 403 with a wrong one, CORS and
// Cross-Origin-Resource-Policy so a cross-origin-isolated page can fetch it. It counts requests,
// and can cut, stall, truncate or misreport a file to drive resume and failure tests. Node only;
// importable from Vitest and from Playwright's TypeScript loader alike.
import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface HubRepoSpec {
  files: Record<string, Uint8Array | string>;
  sha?: string; // the commit 'main' points at (default: derived from the files)
  revisions?: Record<string, string>; // more names → commits ('main' is added)
  gated?: boolean; // needs `Authorization: Bearer <one of tokens>`
}

export interface HubRequest {
  method: string;
  path: string; // URL path, decoded, without the query
  query: string;
  range?: string;
  accept?: string;
  authorized: boolean; // an Authorization header was sent (its value is never kept)
  status: number;
}

/** Extra routes (e.g. the push routes of hub-commit-server.ts): return true when handled. */
export type HubHandler = (req: IncomingMessage, res: ServerResponse) => boolean | Promise<boolean>;

export interface HubServerOptions {
  repos?: Record<string, HubRepoSpec>;
  tokens?: string[]; // tokens gated repos accept (default ['hf_test_token'])
  handlers?: HubHandler[];
  port?: number; // default: any free port
}

interface FileFault {
  cutAfter?: number; // send this many body bytes, then destroy the socket (a dropped connection)
  stallAfter?: number; // send this many body bytes, then wait until the client goes away
  truncateAt?: number; // send this many bytes without Content-Length, then end cleanly
  reportSize?: number; // Content-Length / Content-Range total claim this size (the listing keeps the true one)
  noRange?: boolean; // ignore Range: always 200 with the whole file
  times: number; // how many responses the fault applies to
}

export interface HubServer {
  url: string;
  requests: HubRequest[];
  /** Requests whose path ends with `suffix` (e.g. 'model.safetensors'), optionally of one method. */
  requestsFor(suffix: string, method?: string): HubRequest[];
  setRepo(name: string, spec: HubRepoSpec): void;
  removeRepo(name: string): void;
  fault(repo: string, path: string, fault: Omit<FileFault, 'times'> & { times?: number }): void;
  /** Body bytes per second for every file response (0 = unthrottled). */
  setRate(bytesPerSecond: number): void;
  mount(handler: HubHandler): void;
  close(): Promise<void>;
}

interface RepoFile {
  bytes: Buffer;
  lfs: boolean;
  sha256: string;
  gitOid: string;
}

interface Repo {
  sha: string;
  revisions: Record<string, string>;
  gated: boolean;
  files: Map<string, RepoFile>;
}

const hash = (alg: 'sha1' | 'sha256', ...parts: (Buffer | string)[]) => {
  const h = createHash(alg);
  for (const p of parts) h.update(p);
  return h.digest('hex');
};

// The Hub stores these in LFS (its .gitattributes defaults): their ETag is the sha256.
const isLfs = (path: string, size: number) =>
  /\.(safetensors|bin|pt|pth|model|gguf)$/.test(path) || size > 10 * 1024 * 1024;

function toRepo(spec: HubRepoSpec): Repo {
  const files = new Map<string, RepoFile>();
  for (const [path, v] of Object.entries(spec.files)) {
    const bytes = Buffer.from(typeof v === 'string' ? new TextEncoder().encode(v) : v);
    files.set(path, {
      bytes,
      lfs: isLfs(path, bytes.byteLength),
      sha256: hash('sha256', bytes),
      gitOid: hash('sha1', `blob ${bytes.byteLength}\0`, bytes),
    });
  }
  const sha = spec.sha ?? hash('sha1', ...[...files].map(([p, f]) => `${p}:${f.gitOid}`));
  return { sha, revisions: { main: sha, ...spec.revisions }, gated: spec.gated ?? false, files };
}

const CORS: Record<string, string> = {
  'Access-Control-Allow-Origin': '*',
  'Access-Control-Allow-Methods': 'GET, HEAD, POST, PUT, OPTIONS',
  'Access-Control-Allow-Headers': 'Authorization, Range, Accept, Content-Type, X-Requested-With',
  'Access-Control-Expose-Headers':
    'ETag, X-Linked-ETag, X-Linked-Size, X-Repo-Commit, Content-Range, Content-Length, Accept-Ranges, X-Error-Code, X-Error-Message, X-Request-Id, Link',
  'Cross-Origin-Resource-Policy': 'cross-origin',
};

function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) {
  const text = JSON.stringify(body);
  res.writeHead(status, { ...CORS, 'Content-Type': 'application/json; charset=utf-8', ...headers });
  res.end(text);
}

const hubError = (res: ServerResponse, status: number, code: string, message: string) =>
  send(res, status, { error: message }, { 'X-Error-Code': code, 'X-Error-Message': message });

export async function startHubServer(opts: HubServerOptions = {}): Promise<HubServer> {
  const repos = new Map<string, Repo>();
  for (const [name, spec] of Object.entries(opts.repos ?? {})) repos.set(name, toRepo(spec));
  const tokens = new Set(opts.tokens ?? ['hf_test_token']);
  const handlers = [...(opts.handlers ?? [])];
  const faults = new Map<string, FileFault>();
  const requests: HubRequest[] = [];
  let rate = 0;

  /** The known repo a path starts with, and the rest of the path. */
  const splitRepo = (rest: string): [string, Repo | undefined, string] => {
    let best = '';
    for (const name of repos.keys())
      if ((rest === name || rest.startsWith(`${name}/`)) && name.length > best.length) best = name;
    if (best) return [best, repos.get(best), rest.slice(best.length + 1)];
    const parts = rest.split('/');
    return [parts.slice(0, 2).join('/'), undefined, parts.slice(2).join('/')];
  };

  /** Checks the token for a gated repo; answers and returns false when refused. */
  const allowed = (req: IncomingMessage, res: ServerResponse, name: string, repo: Repo): boolean => {
    if (!repo.gated) return true;
    const auth = req.headers.authorization;
    if (!auth) {
      hubError(
        res,
        401,
        'GatedRepo',
        `Access to model ${name} is restricted. You must have access to it and be authenticated to access it. Please log in.`,
      );
      return false;
    }
    if (!tokens.has(auth.replace(/^Bearer\s+/i, ''))) {
      hubError(
        res,
        403,
        'GatedRepo',
        `Access to model ${name} is restricted and you are not in the authorized list. Visit https://huggingface.co/${name} to ask for access.`,
      );
      return false;
    }
    return true;
  };

  const commitOf = (repo: Repo, rev: string) =>
    repo.revisions[rev] ?? (Object.values(repo.revisions).includes(rev) ? rev : undefined);

  const modelInfo = (res: ServerResponse, name: string, repo: Repo, rev: string) => {
    const sha = commitOf(repo, rev);
    if (!sha) return hubError(res, 404, 'RevisionNotFound', `Invalid rev id: ${rev}`);
    send(res, 200, {
      _id: `id-${name}`,
      id: name,
      private: false,
      pipeline_tag: 'text-generation',
      library_name: 'transformers',
      downloads: 0,
      likes: 0,
      gated: repo.gated ? 'auto' : false,
      lastModified: '2025-01-01T00:00:00.000Z',
      sha,
      tags: ['llama', 'safetensors'],
      siblings: [...repo.files.keys()].map((rfilename) => ({ rfilename })),
    });
  };

  const tree = (res: ServerResponse, repo: Repo, rev: string, folder: string, recursive: boolean) => {
    if (!commitOf(repo, rev)) return hubError(res, 404, 'RevisionNotFound', `Invalid rev id: ${rev}`);
    const prefix = folder ? `${folder.replace(/\/$/, '')}/` : '';
    const out: unknown[] = [];
    const dirs = new Set<string>();
    for (const [path, f] of repo.files) {
      if (!path.startsWith(prefix)) continue;
      const rest = path.slice(prefix.length);
      if (!recursive && rest.includes('/')) {
        const d = prefix + rest.split('/')[0];
        if (!dirs.has(d)) out.push({ type: 'directory', oid: hash('sha1', d), size: 0, path: d });
        dirs.add(d);
        continue;
      }
      const size = f.bytes.byteLength;
      out.push({
        type: 'file',
        oid: f.lfs ? hash('sha1', `version https://git-lfs.github.com/spec/v1\noid sha256:${f.sha256}\n`) : f.gitOid,
        size,
        path,
        ...(f.lfs ? { lfs: { oid: f.sha256, size, pointerSize: 134 } } : {}),
      });
    }
    send(res, 200, out);
  };

  const serveFile = async (
    req: IncomingMessage,
    res: ServerResponse,
    name: string,
    repo: Repo,
    rest: string,
  ): Promise<number> => {
    const [rev, ...pathParts] = rest.split('/');
    const sha = commitOf(repo, decodeURIComponent(rev));
    if (!sha) return (hubError(res, 404, 'RevisionNotFound', `Invalid rev id: ${rev}`), 404);
    const path = pathParts.join('/');
    const f = repo.files.get(path);
    if (!f) return (hubError(res, 404, 'EntryNotFound', `Entry not found`), 404);
    const key = `${name}/${path}`;
    const fault = faults.get(key);
    const useFault = fault && fault.times > 0 && req.method === 'GET';
    if (useFault) fault.times--;
    const size = (useFault ? fault.reportSize : undefined) ?? f.bytes.byteLength;
    const etag = `"${f.lfs ? f.sha256 : f.gitOid}"`;
    const headers: Record<string, string> = {
      ...CORS,
      'Content-Type': 'application/octet-stream',
      'Accept-Ranges': 'bytes',
      ETag: etag,
      'X-Repo-Commit': sha,
      ...(f.lfs ? { 'X-Linked-ETag': etag, 'X-Linked-Size': String(size) } : {}),
    };
    let start = 0;
    let end = f.bytes.byteLength; // exclusive
    let status = 200;
    const range = /^bytes=(\d+)-(\d*)$/.exec(req.headers.range ?? '');
    if (range && !(useFault && fault.noRange)) {
      start = Number(range[1]);
      end = range[2] ? Math.min(Number(range[2]) + 1, f.bytes.byteLength) : f.bytes.byteLength;
      if (start >= f.bytes.byteLength) {
        res.writeHead(416, { ...headers, 'Content-Range': `bytes */${size}` });
        res.end();
        return 416;
      }
      status = 206;
      headers['Content-Range'] = `bytes ${start}-${end - 1}/${size}`;
    }
    const body = f.bytes.subarray(start, end);
    if (useFault && fault.truncateAt !== undefined) {
      res.writeHead(status, headers); // no Content-Length: chunked, so ending early is a clean end
      res.end(body.subarray(0, fault.truncateAt));
      return status;
    }
    headers['Content-Length'] = String(
      useFault && fault.reportSize !== undefined && status === 200 ? size : body.byteLength,
    );
    res.writeHead(status, headers);
    if (req.method === 'HEAD') return (res.end(), status);
    const stop = useFault ? (fault.cutAfter ?? fault.stallAfter) : undefined;
    const sendable = stop === undefined ? body : body.subarray(0, stop);
    // Paced writes when a rate is set, so a test can act mid-download.
    const step = rate > 0 ? Math.max(1, Math.floor(rate / 20)) : sendable.byteLength || 1;
    for (let at = 0; at < sendable.byteLength; at += step) {
      if (res.destroyed) return status;
      const ok = res.write(sendable.subarray(at, at + step));
      if (!ok) await new Promise((r) => res.once('drain', r));
      if (rate > 0) await new Promise((r) => setTimeout(r, 50));
    }
    if (stop === undefined) res.end();
    else if (fault?.cutAfter !== undefined)
      await new Promise<void>((r) => res.write('', () => (res.socket?.destroy(), r())));
    // stallAfter: leave the response open; the client's abort closes it.
    return status;
  };

  const route = async (req: IncomingMessage, res: ServerResponse): Promise<number> => {
    for (const h of handlers) if (await h(req, res)) return res.statusCode;
    if (req.method === 'OPTIONS') {
      res.writeHead(204, { ...CORS, 'Access-Control-Max-Age': '600' });
      res.end();
      return 204;
    }
    const url = new URL(req.url ?? '/', 'http://x');
    const path = decodeURIComponent(url.pathname);
    if (path.startsWith('/api/models/')) {
      const [name, repo, rest] = splitRepo(path.slice('/api/models/'.length));
      if (!repo) return (hubError(res, 404, 'RepoNotFound', 'Repository not found'), 404);
      if (!allowed(req, res, name, repo)) return res.statusCode;
      if (rest === '') return (modelInfo(res, name, repo, 'main'), res.statusCode);
      const [kind, rev, ...folder] = rest.split('/');
      if (kind === 'revision' && rev) return (modelInfo(res, name, repo, rev), res.statusCode);
      if (kind === 'tree' && rev)
        return (tree(res, repo, rev, folder.join('/'), url.searchParams.get('recursive') === 'true'), res.statusCode);
      return (hubError(res, 404, 'NotFound', `no route ${path}`), 404);
    }
    const [name, repo, rest] = splitRepo(path.slice(1));
    const [kind, ...after] = rest.split('/');
    // An unknown repo's path splits as owner/name/kind/...: answer 404 for file routes too.
    if (kind === 'resolve' || kind === 'raw') {
      if (!repo) return (hubError(res, 404, 'RepoNotFound', 'Repository not found'), 404);
      if (!allowed(req, res, name, repo)) return res.statusCode;
      return serveFile(req, res, name, repo, after.join('/'));
    }
    return (hubError(res, 404, 'NotFound', `no route ${path}`), 404);
  };

  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const entry: HubRequest = {
      method: req.method ?? 'GET',
      path: decodeURIComponent(url.pathname),
      query: url.search,
      range: req.headers.range,
      accept: req.headers.accept,
      authorized: Boolean(req.headers.authorization),
      status: 0,
    };
    requests.push(entry);
    route(req, res)
      .then((s) => (entry.status = s))
      .catch((e) => {
        entry.status = 500;
        if (!res.headersSent) send(res, 500, { error: String(e) });
        else res.destroy();
      });
  });
  await new Promise<void>((r) => server.listen(opts.port ?? 0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    requestsFor: (suffix, method) =>
      requests.filter((r) => r.path.endsWith(suffix) && (!method || r.method === method)),
    setRepo: (name, spec) => void repos.set(name, toRepo(spec)),
    removeRepo: (name) => void repos.delete(name),
    fault: (repo, path, f) => void faults.set(`${repo}/${path}`, { times: 1, ...f }),
    setRate: (bps) => void (rate = bps),
    mount: (h) => void handlers.push(h),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
