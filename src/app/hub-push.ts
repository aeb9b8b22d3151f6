// Push to the Hub, the studio's form of the seed's `push_to_hub`: a trained model's files (the PEFT
// adapter, or the merged model) and its model card go to a model repo of the user's, through
// @huggingface/hub — whoAmI (whose token, may it write), createRepo (when the repo is new), then one
// commit of every file (small text inline, weights through LFS).
//
// The token is a parameter and nothing else: it is not kept, logged, or put in any message (every
// error text is scrubbed of it), and it goes only to the Hub endpoint's Authorization header.
// The library loads on the first push (a dynamic import), not with the page.
// useXet is off: the Hub still accepts the basic LFS transfer for every repo, and it is the one the
// local stand-in (testing/hub-commit-server.ts) serves.
import type { CommitOperation, HubApiError } from '@huggingface/hub';
import type { ModelFile } from '../model/io/model-files';
import { ADAPTER_CONFIG_FILE, ADAPTER_WEIGHTS_FILE } from '../model/io/peft';
import { errorMessage } from '../core/errors';

export const DEFAULT_HUB_URL = 'https://huggingface.co';

export interface HubPushRequest {
  /** "name" (in the token owner's namespace) or "namespace/name". */
  repo: string;
  token: string;
  private: boolean;
  /** What to upload: the adapter files or the merged model's files. */
  files: ModelFile[];
  /** README.md (export/model-card.ts), or a function of the final repo id; replaces any README.md among the files. */
  card?: string | ((repoId: string) => string);
  /** The Hub endpoint (a mirror or a test stand-in); DEFAULT_HUB_URL when absent. */
  hubUrl?: string;
  commitTitle?: string;
  signal?: AbortSignal;
  onProgress?: (p: HubPushProgress) => void;
  /** For tests; the global fetch otherwise. */
  fetch?: typeof fetch;
}

export type HubPushProgress =
  | { phase: 'checking-token' | 'creating-repo' | 'preuploading' | 'committing' }
  | { phase: 'uploading'; file: string; fraction: number };

export interface HubPushResult {
  repoId: string;
  url: string; // the repo's page
  commitUrl: string;
  commitOid: string;
  created: boolean; // false: the repo existed and got a new commit
  files: string[];
}

export type PushWhat = 'adapter' | 'merged';

/**
 * The files a push uploads from a trained model's files: the PEFT adapter (adapter_config.json +
 * adapter_model.safetensors), or the full Hugging Face model (everything else). Null when the model
 * has none of that kind (an adapter from a fully fine-tuned model).
 */
export function filesToPush(files: ModelFile[], what: PushWhat): ModelFile[] | null {
  const isAdapter = (f: ModelFile) => f.name === ADAPTER_CONFIG_FILE || f.name === ADAPTER_WEIGHTS_FILE;
  if (what === 'adapter') {
    const a = files.filter(isAdapter);
    return a.length === 2 ? a : null;
  }
  const m = files.filter((f) => !isAdapter(f) && f.name !== 'README.md');
  return m.some((f) => f.name === 'config.json') ? m : null;
}

/** Why a repo name is not one the Hub takes, or null (huggingface_hub's validate_repo_id). */
export function repoNameProblem(repo: string): string | null {
  const parts = repo.split('/');
  if (repo.trim() === '') return 'the repo name is empty';
  if (parts.length > 2) return `"${repo}" has more than one "/": write name or namespace/name`;
  for (const p of parts) {
    if (p.length === 0) return `"${repo}" has an empty part around "/"`;
    if (p.length > 96) return `"${p}" is longer than 96 characters`;
    if (!/^[A-Za-z0-9_.-]+$/.test(p))
      return `"${p}" may hold only letters, digits, "-", "_" and "." (no spaces or other characters)`;
    if (!/^\w/.test(p) || !/\w$/.test(p)) return `"${p}" must start and end with a letter, digit or "_"`;
    if (p.includes('--') || p.includes('..')) return `"${p}" may not contain "--" or ".."`;
    if (p.endsWith('.git')) return `"${p}" may not end in ".git"`;
  }
  return null;
}

/** The failure in words for the user, without the token. */
function explain(
  e: unknown,
  stage: string,
  ctx: { repoId: string; origin: string; token: string; ApiError: typeof HubApiError },
): Error {
  const scrub = (s: string) => (ctx.token ? s.split(ctx.token).join('hf_…') : s);
  let msg: string;
  if (e instanceof ctx.ApiError) {
    const said = scrub(e.message.replace(/\. URL: .*$/, ''));
    if (e.statusCode === 401)
      msg = `the Hub refused the token (401: ${said}): it is wrong or expired; make a new one with write access at ${ctx.origin}/settings/tokens`;
    else if (e.statusCode === 403)
      msg = `the token may not write to ${ctx.repoId} (403: ${said}); use a token with write access to that namespace`;
    else if (e.statusCode === 404) msg = `${ctx.repoId} was not found while ${stage} (404: ${said})`;
    else if (e.statusCode === 400 || e.statusCode === 422)
      msg = `the Hub refused the request while ${stage} (${e.statusCode}: ${said})`;
    else msg = `the Hub answered ${e.statusCode} while ${stage}: ${said}`;
  } else if (e instanceof DOMException && e.name === 'AbortError') msg = 'the push was cancelled';
  else if (e instanceof TypeError && /fetch|network|socket|ECONN|terminated/i.test(`${e.message} ${String(e.cause)}`))
    msg = `could not reach ${ctx.origin} while ${stage} (${scrub(e.message)}); check the network and the Hub URL`;
  else msg = `push failed while ${stage}: ${scrub(errorMessage(e))}`;
  return new Error(msg);
}

/** Uploads the files and the card to the user's repo (created when missing); throws an Error in words. */
export async function pushToHub(r: HubPushRequest): Promise<HubPushResult> {
  const hubUrl = (r.hubUrl ?? DEFAULT_HUB_URL).replace(/\/+$/, '');
  const origin = hubUrl;
  const token = r.token.trim();
  if (!token.startsWith('hf_') || /\s/.test(token))
    throw new Error(
      `that is not a Hugging Face access token (they start with "hf_"); make one with write access at ${origin}/settings/tokens`,
    );
  const nameProblem = repoNameProblem(r.repo.trim());
  if (nameProblem) throw new Error(`repo name: ${nameProblem}`);
  const files = r.files.filter((f) => !(r.card !== undefined && f.name === 'README.md'));
  if (files.length === 0) throw new Error('nothing to push: no model files given');
  const { commitIter, createRepo, HubApiError, whoAmI } = await import('@huggingface/hub');
  const ctx = { repoId: r.repo, origin, token, ApiError: HubApiError };
  const common = { accessToken: token, hubUrl, ...(r.fetch ? { fetch: r.fetch } : {}) };

  r.onProgress?.({ phase: 'checking-token' });
  let owner: string;
  try {
    const me = await whoAmI(common);
    owner = me.name;
    if (me.auth.accessToken?.role === 'read')
      throw new Error(
        `the token "${me.auth.accessToken.displayName}" is read-only; pushing needs a token with write access (${origin}/settings/tokens)`,
      );
  } catch (e) {
    if (e instanceof Error && e.message.includes('is read-only')) throw e;
    throw explain(e, 'checking the token', ctx);
  }
  const repoId = r.repo.includes('/') ? r.repo.trim() : `${owner}/${r.repo.trim()}`;
  ctx.repoId = repoId;

  r.onProgress?.({ phase: 'creating-repo' });
  let created = true;
  try {
    await createRepo({
      ...common,
      repo: { type: 'model', name: repoId },
      visibility: r.private ? 'private' : 'public',
    });
  } catch (e) {
    if (e instanceof HubApiError && e.statusCode === 409)
      created = false; // exists: push a new commit to it
    else throw explain(e, `creating ${repoId}`, ctx);
  }

  const operations: CommitOperation[] = [
    ...files.map((f) => ({
      operation: 'addOrUpdate' as const,
      path: f.name,
      content: new Blob([f.bytes as BlobPart]),
    })),
    ...(r.card !== undefined
      ? [
          {
            operation: 'addOrUpdate' as const,
            path: 'README.md',
            content: new Blob([typeof r.card === 'function' ? r.card(repoId) : r.card]),
          },
        ]
      : []),
  ];
  let stage = 'preparing the upload';
  try {
    const it = commitIter({
      ...common,
      repo: { type: 'model', name: repoId },
      operations,
      title: r.commitTitle ?? `Upload ${files.map((f) => f.name).join(', ')} from Training Studio`,
      useXet: false,
      abortSignal: r.signal,
    });
    let step = await it.next();
    while (!step.done) {
      const ev = step.value;
      if (ev.event === 'phase') {
        stage = ev.phase === 'uploadingLargeFiles' ? 'uploading the weights' : ev.phase;
        if (ev.phase !== 'uploadingLargeFiles') r.onProgress?.({ phase: ev.phase });
      } else if (ev.state === 'uploading') r.onProgress?.({ phase: 'uploading', file: ev.path, fraction: ev.progress });
      step = await it.next();
    }
    const out = step.value;
    if (!out) throw new Error('the Hub returned no commit');
    return {
      repoId,
      url: `${hubUrl}/${repoId}`,
      commitUrl: out.commit.url,
      commitOid: out.commit.oid,
      created,
      files: operations.map((o) => o.path),
    };
  } catch (e) {
    throw explain(e, stage, ctx);
  }
}
