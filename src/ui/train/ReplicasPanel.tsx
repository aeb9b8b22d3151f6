// The data-parallel group, one row per replica: its state, where it runs, and what it reported at
// the end (parameter checksum, optimizer memory). Replicas hold the same model, so their checksums
// should be identical; the line under the table says whether they are. Hidden until a run spawns
// the group. The checksum and raw byte columns show with the header's Details switch (hidden, not
// removed, otherwise). Everything is rendered as React text nodes (adapter names come from the browser).
import { checksumAgreement, formatMB } from '../../store/parallel';
import { useRunStore } from '../../store/run';
import { useUiSettings } from '../../store/ui-settings';

const AGREEMENT_TEXT = {
  agree: 'All replicas report the same parameter checksum.',
  differ: 'Replica checksums differ: the replicas did not end with the same parameters.',
  pending: null,
} as const;

export function ReplicasPanel() {
  const replicas = useRunStore((s) => s.replicas);
  const details = useUiSettings((s) => s.showDetails);
  if (replicas.length === 0) return null;
  const agreement = checksumAgreement(replicas);
  const agreementText = AGREEMENT_TEXT[agreement];

  return (
    <section className="panel" aria-label="Replicas">
      <h2>
        Replicas <span className="samples__meta">· {replicas.length}</span>
      </h2>
      <div className="samples__scroll">
        <table className="replicas" data-testid="replicas-table">
          <thead>
            <tr>
              <th scope="col">Rank</th>
              <th scope="col">State</th>
              <th scope="col">Backend</th>
              <th scope="col">Adapter</th>
              <th scope="col" hidden={!details}>
                Parameter checksum
              </th>
              <th scope="col" className="replicas__num" hidden={!details}>
                Optimizer bytes
              </th>
              <th scope="col" className="replicas__num">
                Optimizer MB
              </th>
            </tr>
          </thead>
          <tbody>
            {replicas.map((r) => (
              <tr key={r.rank} data-testid="replica-row" data-rank={r.rank}>
                <td className="replicas__num">{r.rank}</td>
                <td data-testid="replica-state">
                  <span className={`replicas__state replicas__state--${r.state}`}>{r.state}</span>
                </td>
                <td data-testid="replica-backend" className="replicas__opt">
                  {r.backend}
                </td>
                <td data-testid="replica-adapter" className="replicas__opt replicas__adapter">
                  {r.adapter}
                </td>
                <td
                  hidden={!details}
                  data-testid="replica-checksum"
                  className={`replicas__opt replicas__checksum${agreement === 'differ' ? ' replicas__checksum--differ' : ''}`}
                >
                  {r.checksum === null ? '' : String(r.checksum)}
                </td>
                <td
                  hidden={!details}
                  data-testid="replica-optimizer-bytes"
                  className="replicas__opt replicas__num"
                  title={r.optimizerBytes === null ? undefined : formatMB(r.optimizerBytes)}
                >
                  {r.optimizerBytes === null ? '' : String(r.optimizerBytes)}
                </td>
                <td data-testid="replica-optimizer-mb" className="replicas__opt replicas__num">
                  {formatMB(r.optimizerBytes)}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {agreementText && (
        <p
          className={`replicas__agreement replicas__agreement--${agreement}`}
          data-testid="replicas-agreement"
          role="status"
        >
          {agreementText}
        </p>
      )}
    </section>
  );
}
