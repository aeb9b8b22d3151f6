// The page's side of the study worker (runtime/study-file/): importing a study file, opening a
// study as a digest (figures of every trial, a thinned sample for the charts) and pages of its
// trials table. Reads share one long-lived worker, which keeps the last study's trials for its
// pages; each import gets a worker of its own, ended when it is done, so the file's text and
// parsed trials are freed at once and a big import never delays opening another study.
import type { StudyDigest } from '../runtime/study-file/digest';
import { checkStudyFileMessage, type StudyFileMessage, type StudyFileRequest } from '../runtime/study-file/protocol';
import type { TrialsPage, TrialsQuery } from '../runtime/study-file/trials-page';

export type { StudyDigest } from '../runtime/study-file/digest';
export type { TrialsPage, TrialsQuery, TrialsSortKey } from '../runtime/study-file/trials-page';

export type ImportProgress = Extract<StudyFileMessage, { type: 'progress' }>;

type Pending = {
  resolve(m: StudyFileMessage): void;
  reject(e: Error): void;
  progress?(m: ImportProgress): void;
};

/** Distributes an `Omit` over a union (TypeScript's own does not). */
type RequestBody = StudyFileRequest extends infer R ? (R extends { req: number } ? Omit<R, 'req'> : never) : never;

function startWorker(): Worker {
  return new Worker(new URL('../runtime/study-file/worker.ts', import.meta.url), {
    type: 'module',
    name: 'study-file',
  });
}

class Channel {
  private next = 1;
  private readonly pending = new Map<number, Pending>();

  constructor(private readonly worker: Worker) {
    worker.onmessage = (ev: MessageEvent) => {
      const m = checkStudyFileMessage(ev.data);
      if (typeof m === 'string') return this.failAll(`the study worker sent a bad message: ${m}`);
      const p = this.pending.get(m.req);
      if (p === undefined) return;
      if (m.type === 'progress') return p.progress?.(m);
      this.pending.delete(m.req);
      if (m.type === 'error') p.reject(new Error(m.message));
      else p.resolve(m);
    };
    worker.onerror = (ev) => {
      ev.preventDefault();
      this.failAll(`the study worker failed: ${ev.message || 'no reason given'}`);
    };
  }

  ask(body: RequestBody, progress?: (m: ImportProgress) => void): Promise<StudyFileMessage> {
    const req = this.next++;
    return new Promise((resolve, reject) => {
      this.pending.set(req, { resolve, reject, progress });
      this.worker.postMessage({ ...body, req } as StudyFileRequest);
    });
  }

  failAll(message: string): void {
    for (const p of this.pending.values()) p.reject(new Error(message));
    this.pending.clear();
  }

  end(message = 'the study worker was stopped'): void {
    this.worker.terminate();
    this.failAll(message);
  }
}

export class StudyFiles {
  private reader: Channel | null = null;

  private reads(): Channel {
    return (this.reader ??= new Channel(startWorker()));
  }

  /** Parses, validates and stores the file off the page; resolves with the new study's id. */
  async importFile(file: Blob, progress?: (p: ImportProgress) => void): Promise<string> {
    const channel = new Channel(startWorker());
    try {
      const m = await channel.ask({ type: 'import', file }, progress);
      if (m.type !== 'imported') throw new Error(`the study worker answered an import with '${m.type}'`);
      return m.id;
    } finally {
      channel.end();
    }
  }

  async open(id: string): Promise<StudyDigest> {
    const m = await this.reads().ask({ type: 'open', id });
    if (m.type !== 'opened') throw new Error(`the study worker answered 'open' with '${m.type}'`);
    return m.digest;
  }

  async page(id: string, query: TrialsQuery): Promise<TrialsPage> {
    const m = await this.reads().ask({ type: 'page', id, query });
    if (m.type !== 'page') throw new Error(`the study worker answered 'page' with '${m.type}'`);
    return m.page;
  }

  /** The study was deleted or changed: the reader lets go of its trials. */
  forget(id: string): void {
    void this.reader?.ask({ type: 'forget', id }).catch(() => undefined);
  }
}
