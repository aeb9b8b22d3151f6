// The sweep's settings: trials, sampler, pruner, objective, search space. The run settings panel
// gives the base every trial starts from.
import {
  DEFAULT_LEARNING_RATES,
  objectiveDirection,
  OBJECTIVES,
  searchSpaceForModel,
  type PrunerKind,
  type SamplerKind,
  type SweepObjective,
} from '../../sweep/studio/default-study';
import { useModelStore } from '../../store/model';
import { useSweepStore } from '../../store/sweep';
import { SearchSpaceEditor } from './SearchSpaceEditor';

const OBJECTIVE_LABELS: Partial<Record<SweepObjective, string>> = {
  sum: 'sum of ROUGE-1/2/L/Lsum (transformers default)',
  eval_loss: 'evaluation loss (minimize; transformers’ fallback)',
};
const range = (k: keyof typeof DEFAULT_LEARNING_RATES) =>
  `${DEFAULT_LEARNING_RATES[k].low.toExponential(0)}–${DEFAULT_LEARNING_RATES[k].high.toExponential(0)}`;

export function SweepSettings() {
  const config = useSweepStore((s) => s.config);
  const running = useSweepStore((s) => s.status === 'running');
  const setConfig = useSweepStore((s) => s.setConfig);
  const issues = useSweepStore((s) => s.configIssues)();
  const notice = useSweepStore((s) => s.configNotice);
  const dismissNotice = useSweepStore((s) => s.dismissConfigNotice);
  // The default learning-rate range follows the model trials start from (the sweep session applies the same rule).
  const kind = useModelStore((s) => (s.base ? 'pretrained' : 'fresh'));
  const space = searchSpaceForModel(config.searchSpace, kind);
  return (
    <section className="panel" aria-labelledby="sweep-settings-title">
      <div className="panel__head">
        <h2 id="sweep-settings-title">Sweep</h2>
      </div>
      {notice && (
        <div className="notice" role="status" data-testid="sweep-config-notice">
          <p>{notice}</p>
          <button
            type="button"
            className="button button--link"
            onClick={dismissNotice}
            aria-label="Dismiss the sweep settings notice"
          >
            Dismiss
          </button>
        </div>
      )}
      <fieldset className="settings" disabled={running}>
        <div className="field">
          <label htmlFor="sweep-trials">Trials</label>
          <input
            id="sweep-trials"
            data-testid="sweep-trials-input"
            type="number"
            min={1}
            value={config.nTrials}
            onChange={(e) => setConfig({ nTrials: Number(e.target.value) })}
          />
        </div>
        <div className="field">
          <label htmlFor="sweep-objective">Objective ({objectiveDirection(config.objective)})</label>
          <select
            id="sweep-objective"
            data-testid="sweep-objective"
            value={config.objective}
            onChange={(e) => {
              const objective = e.target.value as SweepObjective;
              setConfig({ objective, direction: objectiveDirection(objective) });
            }}
          >
            {OBJECTIVES.map((o) => (
              <option key={o} value={o}>
                {OBJECTIVE_LABELS[o] ?? o}
              </option>
            ))}
          </select>
        </div>
        <div className="field">
          <label htmlFor="sweep-sampler">Sampler</label>
          <select
            id="sweep-sampler"
            data-testid="sweep-sampler"
            value={config.sampler}
            onChange={(e) => setConfig({ sampler: e.target.value as SamplerKind })}
          >
            <option value="tpe">TPE</option>
            <option value="random">Random</option>
            <option value="grid">Grid</option>
          </select>
        </div>
        <div className="field">
          <label htmlFor="sweep-pruner">Pruner</label>
          <select
            id="sweep-pruner"
            data-testid="sweep-pruner"
            value={config.pruner}
            onChange={(e) => setConfig({ pruner: e.target.value as PrunerKind })}
          >
            <option value="median">Median</option>
            <option value="successive-halving">Successive halving</option>
            <option value="nop">None</option>
          </select>
        </div>
        <div className="field field--wide">
          <span className="field__label">Search space</span>
          <p className="field__hint" data-testid="sweep-lr-follows-model">
            Default learning-rate range follows the model: {range('fresh')} for a fresh preset, {range('pretrained')}{' '}
            for a base model (now: {kind === 'fresh' ? 'a fresh preset' : 'a base model'}). Ties in ROUGE go to the
            lower evaluation loss.
          </p>
          <SearchSpaceEditor space={space} disabled={running} onChange={(searchSpace) => setConfig({ searchSpace })} />
        </div>
      </fieldset>
      {issues.length > 0 && (
        <ul className="field__error" data-testid="sweep-config-issues">
          {issues.map((m) => (
            <li key={m}>{m}</li>
          ))}
        </ul>
      )}
    </section>
  );
}
