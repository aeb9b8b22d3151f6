// Where a Hub model lives and how to reach it: the repo id and revision the user typed, the endpoint
// (huggingface.co, a mirror, or a test's stand-in), the optional access token and fetch. Every
// failure the Hub can answer with becomes one sentence naming the repo and what to do; the token is
// only ever sent in an Authorization header, never put in a message, a URL or storage.
import { HubApiError } from '@huggingface/hub';
import { errorMessage } from '../../core/errors';

/** What the user asks for: `from_pretrained(repo, revision=...)`. */
export interface HubModelRef {
  repo: string; // "owner/name"
  revision?: string; // branch, tag or commit sha; 'main' when absent
}

/** How to reach the Hub. The token is held by the caller for the session only. */
export interface HubAccess {
  endpoint?: string; // default https://huggingface.co
  accessToken?: string;
  fetch?: typeof fetch;
}

export const HUB_ENDPOINT = 'https://huggingface.co';
export const DEFAULT_REVISION = 'main';

export const endpointOf = (access: HubAccess = {}): string => (access.endpoint || HUB_ENDPOINT).replace(/\/+$/, '');
export const revisionOf = (ref: HubModelRef): string => ref.revision?.trim() || DEFAULT_REVISION;
export const isCommitSha = (s: string): boolean => /^[0-9a-f]{40}$/.test(s);

// The Hub's own rule for repo names: letters, digits, '-', '_', '.', no '--' or '..', ≤ 96 chars.
const NAME = /^(?!.*(--|\.\.))[A-Za-z0-9][A-Za-z0-9._-]{0,94}[A-Za-z0-9]$|^[A-Za-z0-9]$/;

/** Throws naming what is wrong with a typed model id; returns it trimmed. */
export function checkRepoId(repo: string): string {
  const id = repo.trim().replace(/^https?:\/\/[^/]+\//, ''); // a pasted model page URL works too
  const parts = id.split('/');
  if (parts.length !== 2 || !parts.every((p) => NAME.test(p)))
    throw new Error(
      `"${repo}" is not a Hub model id: expected owner/name, e.g. HuggingFaceTB/SmolLM2-135M (letters, digits, '-', '_', '.')`,
    );
  return id;
}

/** Throws when a token cannot be a Hugging Face user access token (without repeating it). */
export function checkAccess(access: HubAccess): void {
  const t = access.accessToken;
  if (t !== undefined && t !== '' && !/^hf_[A-Za-z0-9_-]+$/.test(t))
    throw new HubError(
      'the access token is not a Hugging Face user access token: those start with "hf_" (huggingface.co → Settings → Access Tokens)',
    );
}

/** A path inside a repo, each segment URL-encoded (filenames come from the repo: never trusted raw). */
export const encodePath = (path: string): string => path.split('/').map(encodeURIComponent).join('/');

/** The file's bytes at an exact commit: `{endpoint}/{repo}/resolve/{commit}/{path}`. */
export function resolveUrl(access: HubAccess, repo: string, revision: string, path: string): string {
  return `${endpointOf(access)}/${repo}/resolve/${encodeURIComponent(revision)}/${encodePath(path)}`;
}

/**
 * Origins a model download touches (for the page's CSP connect-src): the endpoint, and the CDNs
 * /resolve redirects LFS files (cdn-lfs*) and Xet-stored files (cas-bridge) to. CSP checks every hop.
 */
export const HUB_FILE_HOSTS = [
  'https://huggingface.co',
  'https://cdn-lfs.huggingface.co',
  'https://cdn-lfs-us-1.huggingface.co',
  'https://cdn-lfs-eu-1.huggingface.co',
  'https://cdn-lfs.hf.co',
  'https://cdn-lfs-us-1.hf.co',
  'https://cdn-lfs-eu-1.hf.co',
  'https://cas-bridge.xethub.hf.co',
];

/**
 * fetch without the Xet content negotiation @huggingface/hub asks for (`Accept:
 * application/vnd.xet-fileinfo+json`): every read then goes through /resolve and its CDN redirect,
 * which honours Range, instead of the Xet protocol's reconstruction and CAS hosts.
 */
function plainFetch(access: HubAccess): typeof fetch {
  return (input, init) => {
    const headers = new Headers(init?.headers);
    if (headers.get('accept')?.includes('xet')) headers.delete('accept');
    return (access.fetch ?? fetch)(input, { ...init, headers });
  };
}

/** The parameters every @huggingface/hub call takes. */
export function hubParams(access: HubAccess): { hubUrl: string; accessToken?: string; fetch: typeof fetch } {
  return {
    hubUrl: endpointOf(access),
    ...(access.accessToken ? { accessToken: access.accessToken } : {}),
    fetch: plainFetch(access),
  };
}

export function authHeaders(access: HubAccess): Record<string, string> {
  return access.accessToken ? { Authorization: `Bearer ${access.accessToken}` } : {};
}

/** A refusal or failure talking to the Hub; `status` is the HTTP status when there was one. */
export class HubError extends Error {
  constructor(
    message: string,
    readonly status?: number,
  ) {
    super(message);
    this.name = 'HubError';
  }
}

/** Never let a token reach a message, whoever built the message (a server may echo a header). */
export function scrub(message: string, access: HubAccess): string {
  const t = access.accessToken;
  return t && t.length >= 4 ? message.split(t).join('hf_***') : message;
}

/** The server's own words from an HF error body ({"error": "..."}), without the request URL. */
function serverWords(err: HubApiError): string {
  const data = err.data as { error?: unknown; message?: unknown } | undefined;
  const said = data?.error ?? data?.message;
  return typeof said === 'string' ? said : '';
}

/**
 * One sentence for a failed Hub call about `repo` while doing `what` (e.g. "read the file list").
 * The Hub answers 401 both for gated/private repos and (to hide private ones) for unknown ids.
 */
export function explainHubError(err: unknown, repo: string, what: string, access: HubAccess): Error {
  if (err instanceof HubError) return err;
  if ((err as { name?: unknown } | null)?.name === 'AbortError') return err as Error;
  const page = `${endpointOf(access)}/${repo}`;
  let msg: string;
  let status: number | undefined;
  if (err instanceof HubApiError) {
    status = err.statusCode;
    const said = serverWords(err);
    if (status === 404 && /rev/i.test(said))
      msg = `${repo}: the revision does not exist (${said}); use a branch, tag or commit sha of the repo`;
    else if (status === 404)
      msg = `no model "${repo}" on ${endpointOf(access)} (${said || 'not found'}): check the model id (owner/name)`;
    else if (status === 401)
      msg = access.accessToken
        ? `${repo}: the access token was refused (401${said ? `: ${said}` : ''}); check it is a valid Hugging Face token`
        : `${repo} needs an access token: it is gated or private, or does not exist (401${said ? `: ${said}` : ''}). Give a Hugging Face access token with read access`;
    else if (status === 403)
      msg = `${repo}: your access token does not give access (403${said ? `: ${said}` : ''}); accept the model's license on ${page} and use a token with read access`;
    else if (status === 429) msg = `${repo}: the Hub is rate-limiting requests (429); wait a minute and try again`;
    else msg = `${repo}: could not ${what}: the Hub answered ${status}${said ? ` (${said})` : ''}`;
  } else {
    msg = `${repo}: could not ${what}: ${errorMessage(err)} (is ${endpointOf(access)} reachable? check the connection or the Hub endpoint setting)`;
  }
  return new HubError(scrub(msg, access), status);
}

/** Runs a Hub call, turning its failure into explainHubError's sentence. */
export async function hubCall<T>(repo: string, what: string, access: HubAccess, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (e) {
    throw explainHubError(e, repo, what, access);
  }
}

/** An error for a plain fetch Response (downloads go around the library for Range requests). */
export async function responseError(res: Response, repo: string, what: string, access: HubAccess): Promise<Error> {
  let said = '';
  try {
    const body = (await res.json()) as { error?: unknown };
    if (typeof body.error === 'string') said = body.error;
  } catch {
    // not JSON: the status says enough
  }
  const fake = new HubApiError(res.url, res.status);
  fake.data = { error: said };
  return explainHubError(fake, repo, what, access);
}
