// The study worker: a thin shell around the study store (IndexedDB works in workers), the study
// file reader and the digest, so nothing that grows with a study's size runs on the page. It holds
// the trials of the last study opened, for the pages of its trials table that follow.
/// <reference lib="webworker" />
import { errorMessage } from '../../core/errors';
import { formatBytes } from '../../core/format';
import type { TrialData } from '../../sweep/engine/study-data';
import { openStudyStore, type StudyStore } from '../../sweep/persist/storage';
import { importStudyJSON } from '../../sweep/persist/transfer';
import { studyDigest } from './digest';
import { checkStudyFileRequest, MAX_STUDY_FILE_BYTES, type StudyFileMessage, type StudyFileRequest } from './protocol';
import { TrialsPager } from './trials-page';

const scope = self as unknown as DedicatedWorkerGlobalScope;
const post = (m: StudyFileMessage) => scope.postMessage(m);

let store: Promise<StudyStore> | null = null;
const studies = () => (store ??= openStudyStore());

/** The study last opened: its trials and their pager, while its updatedAt stays the same. */
let held: { id: string; updatedAt: string; trials: TrialData[]; pager: TrialsPager } | null = null;

async function hold(id: string): Promise<NonNullable<typeof held>> {
  const s = await studies();
  const meta = await s.loadMeta(id);
  if (held?.id === id && held.updatedAt === meta.updatedAt) return held;
  held = null; // let the last study's trials go before reading the next
  const trials: TrialData[] = [];
  await s.readAllTrials(id, (page) => {
    for (const t of page) trials.push(t);
  });
  held = { id, updatedAt: meta.updatedAt, trials, pager: new TrialsPager(trials) };
  return held;
}

async function handle(r: StudyFileRequest): Promise<StudyFileMessage> {
  switch (r.type) {
    case 'import': {
      const size = r.file.size;
      if (size > MAX_STUDY_FILE_BYTES)
        throw new Error(
          `a study file of at most ${formatBytes(MAX_STUDY_FILE_BYTES)} can be imported; this one is ${formatBytes(size)}`,
        );
      post({ type: 'progress', req: r.req, phase: 'reading', done: 0, total: size });
      const text = await r.file.text();
      post({ type: 'progress', req: r.req, phase: 'checking', done: size, total: size });
      const loaded = importStudyJSON(text);
      const id = await (
        await studies()
      ).importStudyInBatches(loaded, (done, total) =>
        post({ type: 'progress', req: r.req, phase: 'storing', done, total }),
      );
      return { type: 'imported', req: r.req, id };
    }
    case 'open': {
      const meta = await (await studies()).loadMeta(r.id);
      const h = await hold(r.id);
      return { type: 'opened', req: r.req, digest: studyDigest(meta, h.trials) };
    }
    case 'page':
      return { type: 'page', req: r.req, page: (await hold(r.id)).pager.page(r.query) };
    case 'forget':
      if (held?.id === r.id) held = null;
      return { type: 'forgotten', req: r.req };
  }
}

scope.onmessage = async (ev: MessageEvent) => {
  const r = checkStudyFileRequest(ev.data);
  if (typeof r === 'string') {
    const req = (ev.data as { req?: unknown })?.req;
    post({ type: 'error', req: typeof req === 'number' ? req : -1, message: r });
    return;
  }
  try {
    post(await handle(r));
  } catch (err) {
    post({ type: 'error', req: r.req, message: errorMessage(err) });
  }
};
