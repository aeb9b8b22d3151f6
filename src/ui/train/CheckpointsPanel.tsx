// Checkpoints kept in this browser, newest run first — one at each epoch's end and, as the
// Advanced settings ask, mid-epoch ones ("step 37 (epoch 2)"): resume one exactly where it was
// (weights, AdamW moments, schedule position), export it as Hugging Face files, or delete it.
// Each run keeps its last 3; nothing else is ever deleted without a click. Below: how much of the
// site's quota is used, and whether the browser agreed not to evict it.
import { useEffect } from 'react';
import { formatBytes } from '../../core/format';
import { useCheckpointsStore } from '../../store/checkpoints';
import { useRunStore } from '../../store/run';
import { download } from '../download';
import type { CheckpointInfo } from '../../train/checkpoint/store';
import { failure } from '../../core/errors';
import { isStepCheckpoint } from '../../train/checkpoint/epoch-checkpoints';
import type { StorageReport } from '../../store/checkpoints';

/** What a row is called in its buttons' names: "epoch 2" or "step 37 (epoch 2)". */
const whereOf = (c: CheckpointInfo) => (isStepCheckpoint(c) && c.label ? c.label : `epoch ${c.epoch}`);

function StorageLine({ s }: { s: StorageReport | null }) {
  if (!s) return null;
  const used =
    s.usage !== null && s.quota !== null
      ? `Storage: ${formatBytes(s.usage)} used of ${formatBytes(s.quota)} (${((100 * s.usage) / Math.max(1, s.quota)).toFixed(1)}%).`
      : 'Storage: the browser did not report usage and quota.';
  const kept =
    s.persisted === true
      ? ' Persistent: the browser will not evict it under pressure.'
      : s.persisted === false
        ? ' Not persistent: the browser may evict checkpoints when space runs low.'
        : '';
  return (
    <p className="muted" data-testid="storage-usage" data-persisted={String(s.persisted)}>
      {used}
      {kept}
    </p>
  );
}

export function CheckpointsPanel() {
  const list = useCheckpointsStore((s) => s.list);
  const error = useCheckpointsStore((s) => s.error);
  const storage = useCheckpointsStore((s) => s.storage);
  const off = useCheckpointsStore((s) => s.off);
  const { refresh, remove, exportZip } = useCheckpointsStore.getState();
  const running = useRunStore((s) => s.status === 'running');
  const resume = useRunStore((s) => s.resume);

  useEffect(() => {
    void refresh();
  }, [refresh]);

  // Newest run first; within a run, oldest epoch first.
  const runs = new Map<string, CheckpointInfo[]>();
  for (const c of list) runs.set(c.runId, [...(runs.get(c.runId) ?? []), c]);
  const ordered = [...runs.entries()].sort((a, b) => (a[0] < b[0] ? 1 : -1));

  return (
    <section className="panel" aria-label="Checkpoints">
      <h2>Checkpoints</h2>
      {list.length === 0 ? (
        <p className="muted">
          A checkpoint is saved after every epoch, and every N steps or minutes as the Advanced settings say (the last 3
          of each run are kept).
        </p>
      ) : (
        <table className="replicas" data-testid="checkpoints-table">
          <thead>
            <tr>
              <th>run</th>
              <th>at</th>
              <th>step</th>
              <th>saved</th>
              <th>size</th>
              <th>
                <span className="visually-hidden">actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {ordered.flatMap(([, cs]) =>
              cs.map((c) => (
                <tr
                  key={c.id}
                  data-testid="checkpoint-row"
                  data-run={c.runId}
                  data-epoch={c.epoch}
                  data-step={c.step}
                  data-kind={isStepCheckpoint(c) ? 'step' : 'epoch'}
                >
                  <td>{c.runId}</td>
                  <td>{whereOf(c)}</td>
                  <td>{c.step}</td>
                  <td>{new Date(c.createdAt).toLocaleTimeString()}</td>
                  <td>{formatBytes(c.bytes)}</td>
                  <td className="row">
                    <button
                      type="button"
                      disabled={running}
                      onClick={() => void resume(c.id)}
                      data-testid="checkpoint-resume"
                      aria-label={`Resume run ${c.runId} from ${whereOf(c)}`}
                    >
                      Resume
                    </button>
                    <button
                      type="button"
                      onClick={() =>
                        void exportZip(c.id)
                          .then((z) => download(z.name, z.bytes))
                          .catch((e: unknown) =>
                            useCheckpointsStore.setState({
                              error: failure(`Could not export ${c.id}`, e),
                            }),
                          )
                      }
                      data-testid="checkpoint-export"
                      aria-label={`Export run ${c.runId} ${whereOf(c)} checkpoint`}
                    >
                      Export
                    </button>
                    <button
                      type="button"
                      disabled={running}
                      onClick={() => {
                        if (confirm(`Delete checkpoint ${c.id}?`)) void remove(c.id);
                      }}
                      data-testid="checkpoint-delete"
                      aria-label={`Delete run ${c.runId} ${whereOf(c)} checkpoint`}
                    >
                      Delete
                    </button>
                  </td>
                </tr>
              )),
            )}
          </tbody>
        </table>
      )}
      {off && (
        <p className="notice" role="status" data-testid="checkpoints-off">
          {off}
        </p>
      )}
      <StorageLine s={storage} />
      {error && (
        <p className="field__error" role="alert">
          {error}
        </p>
      )}
    </section>
  );
}
