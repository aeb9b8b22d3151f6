// The sweep's settings: trials, sampler, pruner, objective, search space. The run settings panel
// gives the base every trial starts from.
import {
  ROUGE_OBJECTIVES,
  type PrunerKind,
  type RougeObjective,
  type SamplerKind,
} from '../../sweep/studio/default-study';
import { useSweepStore } from '../../store/sweep';
import { SearchSpaceEditor } from './SearchSpaceEditor';

export function SweepSettings() {
  const config = useSweepStore((s) => s.config);
  const running = useSweepStore((s) => s.status === 'running');
  const setConfig = useSweepStore((s) => s.setConfig);
  const issues = useSweepStore((s) => s.configIssues)();
  return (
    <section className="panel" aria-labelledby="sweep-settings-title">
      <div className="panel__head">
        <h2 id="sweep-settings-title">Sweep</h2>
      </div>
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
          <label htmlFor="sweep-objective">Objective (maximize)</label>
          <select
            id="sweep-objective"
            data-testid="sweep-objective"
            value={config.objective}
            onChange={(e) => setConfig({ objective: e.target.value as RougeObjective })}
          >
            {ROUGE_OBJECTIVES.map((o) => (
              <option key={o} value={o}>
                {o === 'sum' ? 'sum of ROUGE-1/2/L/Lsum (transformers default)' : o}
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
          <SearchSpaceEditor
            space={config.searchSpace}
            disabled={running}
            onChange={(searchSpace) => setConfig({ searchSpace })}
          />
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
