// A local stand-in for the Hugging Face Hub's write side: exactly the routes @huggingface/hub 2.17.5
// calls for whoAmI, createRepo and uploadFiles/commit with useXet false (read from its src/lib):
//   GET  /api/whoami-v2                                   who the token belongs to, and its role
//   POST /api/repos/create                                {name, organization, type, visibility}
//   GET  /api/models/{ns}/{name}                          repo info (repoExists)
//   POST /api/models/{ns}/{name}/preupload/{rev}          which files go through LFS
//   POST /{ns}/{name}.git/info/lfs/objects/batch          basic transfer: one upload href per object
//   PUT  {upload href}                                    the bytes; checked against oid and size
//   POST /api/models/{ns}/{name}/commit/{rev}             NDJSON: header, file (base64), lfsFile, deletedFile
// It keeps what was committed so a test can read every file back byte for byte. Errors answer as the
// Hub does (JSON {error}, 401 for an unknown token, 403 for no write access, 409 for an existing repo),
// so the client library's HubApiError carries the same status and message.
//
// hubCommitHandler(state) is a plain (req, res) => boolean (true: handled), so another stand-in
// (the model-download one) can mount these routes on its own server; startHubCommitServer runs them alone.
import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface HubUser {
  name: string;
  token: string;
  role?: 'read' | 'write'; // default write
  orgs?: string[]; // namespaces besides its own it may write to
}

export interface StoredRepo {
  id: string; // "ns/name"
  owner: string; // the user who created it
  private: boolean;
  files: Map<string, Uint8Array>;
  commits: { oid: string; title: string; paths: string[] }[];
}

/** What the stand-in answers instead, for one request: an HTTP error, or a dropped connection. */
export type HubFault = { status: number; error: string } | 'drop' | undefined;

export class HubCommitState {
  readonly repos = new Map<string, StoredRepo>();
  readonly lfs = new Map<string, Uint8Array>(); // sha256 → bytes
  /** "METHOD path" of every request handled, in order (tests assert the protocol). */
  readonly log: string[] = [];
  /** Authorization headers seen, per request path (tests check where the token went). */
  readonly authSeen: { path: string; auth: string | undefined }[] = [];
  fault: (method: string, path: string) => HubFault = () => undefined;
  constructor(readonly users: HubUser[]) {}

  /** A committed file's bytes (undefined when absent). */
  file(repo: string, path: string): Uint8Array | undefined {
    return this.repos.get(repo)?.files.get(path);
  }
}

const json = (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) => {
  res.writeHead(status, { 'Content-Type': 'application/json', ...headers });
  res.end(JSON.stringify(body));
};
const fail = (res: ServerResponse, status: number, error: string) => json(res, status, { error });

async function body(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

/** The Hub's repo-name rule (huggingface_hub validate_repo_id): word chars, '-', '.', no '--'/'..'. */
export const validRepoPart = (s: string) =>
  /^[\w](?:[\w.-]{0,94}[\w])?$/.test(s) && !s.includes('--') && !s.includes('..') && !s.endsWith('.git');

const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');
const UPLOAD_PREFIX = '/__hub-commit-lfs/';

/** The routes above as one request handler: returns false (and touches nothing) for any other path. */
export function hubCommitHandler(state: HubCommitState): (req: IncomingMessage, res: ServerResponse) => boolean {
  const routes: [string, RegExp, (m: RegExpExecArray, req: IncomingMessage, res: ServerResponse) => Promise<void>][] = [
    ['GET', /^\/api\/whoami-v2$/, whoami],
    ['POST', /^\/api\/repos\/create$/, create],
    ['GET', /^\/api\/models\/([^/]+)\/([^/]+)$/, info],
    ['POST', /^\/api\/models\/([^/]+)\/([^/]+)\/preupload\/([^/]+)$/, preupload],
    ['POST', /^\/([^/]+)\/([^/]+)\.git\/info\/lfs\/objects\/batch$/, batch],
    ['PUT', new RegExp(`^${UPLOAD_PREFIX}([0-9a-f]{64})$`), upload],
    ['POST', /^\/api\/models\/([^/]+)\/([^/]+)\/commit\/([^/]+)$/, commit],
  ];

  function userOf(req: IncomingMessage): HubUser | null {
    const m = /^Bearer (.+)$/.exec(req.headers.authorization ?? '');
    return (m && state.users.find((u) => u.token === m[1])) || null;
  }
  const canWrite = (u: HubUser, ns: string) =>
    (u.role ?? 'write') === 'write' && (u.name === ns || !!u.orgs?.includes(ns));

  /** The repo a user may see and write, or the error already sent. */
  function writableRepo(req: IncomingMessage, res: ServerResponse, id: string): StoredRepo | null {
    const u = userOf(req);
    const repo = state.repos.get(id);
    const ns = id.split('/')[0];
    const refusal: [number, string] | null = !u
      ? [401, 'Invalid credentials in Authorization header']
      : !repo || (repo.private && !canWrite(u, ns) && repo.owner !== u.name)
        ? [404, 'Repository not found'] // the Hub hides private repos it will not show
        : !canWrite(u, ns)
          ? [403, `You don't have write access to ${id}`]
          : null;
    if (refusal) fail(res, ...refusal);
    return refusal ? null : repo!;
  }

  async function whoami(_m: RegExpExecArray, req: IncomingMessage, res: ServerResponse) {
    const u = userOf(req);
    if (!u) return fail(res, 401, 'Invalid credentials in Authorization header');
    json(res, 200, {
      type: 'user',
      id: `id-${u.name}`,
      name: u.name,
      fullname: u.name,
      email: `${u.name}@example.invalid`,
      emailVerified: true,
      isPro: false,
      canPay: false,
      avatarUrl: '',
      periodEnd: null,
      billingMode: 'postpaid',
      orgs: (u.orgs ?? []).map((o) => ({ type: 'org', id: `id-${o}`, name: o, fullname: o })),
      auth: {
        type: 'access_token',
        accessToken: { displayName: 'test', role: u.role ?? 'write', createdAt: '2026-01-01T00:00:00.000Z' },
      },
    });
  }

  async function create(_m: RegExpExecArray, req: IncomingMessage, res: ServerResponse) {
    const u = userOf(req);
    const p = JSON.parse((await body(req)).toString('utf8')) as {
      name?: string;
      organization?: string;
      type?: string;
      visibility?: string;
      private?: boolean;
    };
    if (!u) return fail(res, 401, 'Invalid credentials in Authorization header');
    const ns = p.organization ?? u.name;
    if (p.type !== 'model') return fail(res, 400, `this stand-in creates model repos only, not ${p.type}`);
    if (!p.name || !validRepoPart(p.name) || !validRepoPart(ns))
      return fail(res, 400, `Invalid repo name: ${ns}/${p.name ?? ''}`);
    if (!canWrite(u, ns))
      return fail(res, 403, `You don't have the rights to create a model under the namespace "${ns}"`);
    const id = `${ns}/${p.name}`;
    const url = `http://${req.headers.host}/${id}`;
    if (state.repos.has(id)) return json(res, 409, { error: 'You already created this model repo', url });
    state.repos.set(id, {
      id,
      owner: u.name,
      private: p.visibility === 'private' || p.private === true,
      files: new Map(),
      commits: [],
    });
    json(res, 200, { url, name: id, id: `repo-${state.repos.size}` });
  }

  async function info(m: RegExpExecArray, req: IncomingMessage, res: ServerResponse) {
    const repo = state.repos.get(`${m[1]}/${m[2]}`);
    const u = userOf(req);
    if (!repo || (repo.private && repo.owner !== u?.name)) return fail(res, 404, 'Repository not found');
    json(res, 200, {
      id: repo.id,
      private: repo.private,
      sha: repo.commits.at(-1)?.oid ?? null,
      siblings: [...repo.files.keys()].map((rfilename) => ({ rfilename })),
    });
  }

  /** Only main exists here; any other revision is the Hub's 404. */
  function onMain(res: ServerResponse, rev: string): boolean {
    const ok = decodeURIComponent(rev) === 'main';
    if (!ok) fail(res, 404, `Revision not found: ${rev}`);
    return ok;
  }

  async function preupload(m: RegExpExecArray, req: IncomingMessage, res: ServerResponse) {
    const p = JSON.parse((await body(req)).toString('utf8')) as {
      files: { path: string; size: number; sample: string }[];
    };
    if (!writableRepo(req, res, `${m[1]}/${m[2]}`) || !onMain(res, m[3])) return;
    // As the Hub: binary samples and weight files go to LFS, small text is committed inline.
    const lfs = (f: { path: string; size: number; sample: string }) =>
      /\.(safetensors|bin|zip|pt|pth)$/.test(f.path) ||
      f.size >= 10 * 2 ** 20 ||
      Buffer.from(f.sample, 'base64').includes(0);
    json(res, 200, { files: p.files.map((f) => ({ path: f.path, uploadMode: lfs(f) ? 'lfs' : 'regular' })) });
  }

  const pending = new Map<string, number>(); // oid → size asked for

  async function batch(m: RegExpExecArray, req: IncomingMessage, res: ServerResponse) {
    const p = JSON.parse((await body(req)).toString('utf8')) as {
      operation: string;
      transfers?: string[];
      objects: { oid: string; size: number }[];
    };
    if (!writableRepo(req, res, `${m[1]}/${m[2]}`)) return;
    if (p.operation !== 'upload' || !p.transfers?.includes('basic'))
      return fail(res, 422, 'this stand-in speaks the basic LFS upload transfer only (commit with useXet: false)');
    const origin = `http://${req.headers.host}`;
    res.writeHead(200, { 'Content-Type': 'application/vnd.git-lfs+json', 'X-Request-Id': `req-${state.log.length}` });
    res.end(
      JSON.stringify({
        transfer: 'basic',
        objects: p.objects.map(({ oid, size }) => {
          if (state.lfs.has(oid)) return { oid, size }; // already stored: no upload action
          pending.set(oid, size);
          return { oid, size, authenticated: true, actions: { upload: { href: `${origin}${UPLOAD_PREFIX}${oid}` } } };
        }),
      }),
    );
  }

  async function upload(m: RegExpExecArray, req: IncomingMessage, res: ServerResponse) {
    const bytes = new Uint8Array(await body(req));
    const oid = m[1];
    if (!pending.has(oid)) return fail(res, 403, 'upload URL not issued by a batch request');
    if (bytes.length !== pending.get(oid) || sha256(bytes) !== oid)
      return fail(res, 400, `uploaded bytes do not match oid ${oid} and size ${pending.get(oid)}`);
    pending.delete(oid);
    state.lfs.set(oid, bytes);
    res.writeHead(200, { ETag: `"${oid.slice(0, 32)}"` });
    res.end();
  }

  async function commit(m: RegExpExecArray, req: IncomingMessage, res: ServerResponse) {
    const lines = (await body(req))
      .toString('utf8')
      .split('\n')
      .filter((l) => l.trim() !== '')
      .map((l) => JSON.parse(l) as { key: string; value: Record<string, unknown> });
    const repo = writableRepo(req, res, `${m[1]}/${m[2]}`);
    if (!repo || !onMain(res, m[3])) return;
    if (lines[0]?.key !== 'header') return fail(res, 400, 'the first NDJSON line must be the commit header');
    const next = new Map(repo.files);
    const paths: string[] = [];
    for (const { key, value } of lines.slice(1)) {
      const path = String(value.path);
      paths.push(path);
      if (key === 'file') {
        if (value.encoding !== 'base64') return fail(res, 400, `${path}: encoding must be base64`);
        next.set(path, new Uint8Array(Buffer.from(String(value.content), 'base64')));
      } else if (key === 'lfsFile') {
        const bytes = state.lfs.get(String(value.oid));
        if (!bytes || bytes.length !== value.size)
          return fail(
            res,
            422,
            `${path}: LFS object ${String(value.oid)} of size ${String(value.size)} was not uploaded`,
          );
        next.set(path, bytes);
      } else if (key === 'deletedFile') next.delete(path);
      else return fail(res, 400, `unknown commit operation ${key}`);
    }
    const oid = createHash('sha1')
      .update(`${repo.id}\n${repo.commits.length}\n${paths.join('\n')}`)
      .digest('hex');
    repo.files.clear();
    for (const [k, v] of next) repo.files.set(k, v);
    repo.commits.push({ oid, title: String(lines[0].value.summary ?? ''), paths });
    json(res, 200, {
      success: true,
      commitOid: oid,
      commitUrl: `http://${req.headers.host}/${repo.id}/commit/${oid}`,
      hookOutput: '',
    });
  }

  return (req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    const route = routes.find(([method, re]) => method === req.method && re.test(path));
    if (!route) return false;
    state.log.push(`${req.method} ${path}`);
    state.authSeen.push({ path, auth: req.headers.authorization });
    const fault = state.fault(req.method!, path);
    if (fault === 'drop') {
      req.socket.destroy();
      return true;
    }
    if (fault) {
      fail(res, fault.status, fault.error);
      return true;
    }
    route[2](route[1].exec(path)!, req, res).catch((e: unknown) => {
      if (!res.headersSent) fail(res, 500, `stand-in error: ${e instanceof Error ? e.message : String(e)}`);
      else res.end();
    });
    return true;
  };
}

export interface RunningHubCommitServer {
  url: string; // http://127.0.0.1:port, the hubUrl to give the client
  state: HubCommitState;
  close(): Promise<void>;
}

/** The stand-in alone on a free local port; anything it does not know is a 404. */
export async function startHubCommitServer(users: HubUser[]): Promise<RunningHubCommitServer> {
  const state = new HubCommitState(users);
  const handle = hubCommitHandler(state);
  const server: Server = createServer((req, res) => {
    if (!handle(req, res)) fail(res, 404, `no route ${req.method} ${req.url}`);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    state,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
