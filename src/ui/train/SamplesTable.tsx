// Sample predictions beside their references after each epoch, newest epoch first, so a reader
// can see what the ROUGE numbers mean. Everything is rendered as React text nodes: the strings
// come from a user's data file and the model's output, and must never be parsed as HTML.
import { useRunStore } from '../../store/run';

/** Characters of the article shown before the <details> is opened. */
const PREVIEW_CHARS = 120;

/** The article's opening on one line, or null when the whole article fits (nothing to expand). */
const preview = (text: string): string | null => {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > PREVIEW_CHARS ? `${flat.slice(0, PREVIEW_CHARS).trimEnd()}…` : null;
};

export function SamplesTable() {
  const epochs = useRunStore((s) => s.samples);
  const evaluations = useRunStore((s) => s.evaluations);

  return (
    <section className="panel" aria-label="Sample predictions" data-testid="samples-table">
      <h2>Sample predictions</h2>
      {epochs.length === 0 ? (
        <p className="samples__empty">
          Sample predictions on the validation split appear at epoch 0 (before training) and after each epoch.
        </p>
      ) : (
        epochs.map((ep) => {
          const ev = evaluations.find((p) => p.epoch === ep.epoch);
          return (
            <div key={ep.epoch} className="samples__epoch" data-testid="samples-epoch" data-epoch={ep.epoch}>
              <h3>
                {ep.epoch === 0 ? 'Epoch 0 (before training)' : `Epoch ${ep.epoch}`}
                <span className="samples__meta">
                  {' '}
                  · step {ep.step}
                  {ev ? ` · R-1 ${ev.rouge1.toFixed(2)} · R-L ${ev.rougeL.toFixed(2)}` : ''}
                </span>
              </h3>
              {ep.samples.length === 0 ? (
                <p className="samples__empty">No samples were reported for this epoch.</p>
              ) : (
                <div className="samples__scroll">
                  <table className="samples">
                    <thead>
                      <tr>
                        <th scope="col">#</th>
                        <th scope="col">Article</th>
                        <th scope="col">Prediction</th>
                        <th scope="col">Reference</th>
                      </tr>
                    </thead>
                    <tbody>
                      {ep.samples.map((x, i) => {
                        const opening = preview(x.document);
                        return (
                          // Index keys are right here: a sample list is replaced whole, never reordered.
                          <tr key={i} data-testid="sample-row">
                            <td className="samples__index">{i + 1}</td>
                            <td className="samples__doc" data-testid="sample-document">
                              {opening === null ? (
                                <p>{x.document}</p>
                              ) : (
                                <details>
                                  <summary>{opening}</summary>
                                  <p>{x.document}</p>
                                </details>
                              )}
                            </td>
                            {/* An empty cell is labelled by CSS (td:empty), so its text stays exactly
                                what the model produced. */}
                            <td className="samples__text samples__prediction" data-testid="sample-prediction">
                              {x.prediction}
                            </td>
                            <td className="samples__text" data-testid="sample-reference">
                              {x.reference}
                            </td>
                          </tr>
                        );
                      })}
                    </tbody>
                  </table>
                </div>
              )}
            </div>
          );
        })
      )}
    </section>
  );
}
