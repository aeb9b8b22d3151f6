// Edit the sweep's search space: add or remove parameters, set type, bounds, log scale, choices.
import type { ParamSpec } from '../../sweep/studio/default-study';
import { PARAM_TO_SETTING } from '../../sweep/studio/runner';

interface Props {
  space: ParamSpec[];
  disabled: boolean;
  onChange: (space: ParamSpec[]) => void;
}

const parseChoices = (text: string) =>
  text
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0)
    .map((s) => (Number.isNaN(Number(s)) ? s : Number(s)));

export function SearchSpaceEditor({ space, disabled, onChange }: Props) {
  const update = (i: number, patch: Partial<ParamSpec>) =>
    onChange(space.map((p, j) => (j === i ? { ...p, ...patch } : p)));
  const unused = Object.keys(PARAM_TO_SETTING).filter((n) => !space.some((p) => p.name === n));
  return (
    <div className="space-editor" data-testid="search-space">
      {space.map((p, i) => (
        <div className="space-editor__row" key={`${p.name}-${i}`} data-testid="space-param">
          <select
            aria-label={`parameter ${i + 1}`}
            value={p.name}
            disabled={disabled}
            onChange={(e) => update(i, { name: e.target.value })}
          >
            {[p.name, ...unused].map((n) => (
              <option key={n} value={n}>
                {n}
              </option>
            ))}
          </select>
          <select
            aria-label={`type of ${p.name}`}
            value={p.type}
            disabled={disabled}
            onChange={(e) => update(i, { type: e.target.value as ParamSpec['type'] })}
          >
            <option value="float">float</option>
            <option value="int">int</option>
            <option value="categorical">categorical</option>
          </select>
          {p.type === 'categorical' ? (
            <input
              aria-label={`choices of ${p.name}`}
              defaultValue={(p.choices ?? []).join(', ')}
              disabled={disabled}
              onBlur={(e) => update(i, { choices: parseChoices(e.target.value) })}
            />
          ) : (
            <>
              <input
                aria-label={`low of ${p.name}`}
                type="number"
                step="any"
                defaultValue={p.low}
                disabled={disabled}
                onBlur={(e) => update(i, { low: Number(e.target.value) })}
              />
              <input
                aria-label={`high of ${p.name}`}
                type="number"
                step="any"
                defaultValue={p.high}
                disabled={disabled}
                onBlur={(e) => update(i, { high: Number(e.target.value) })}
              />
              <label className="space-editor__log">
                <input
                  type="checkbox"
                  aria-label={`log scale for ${p.name}`}
                  checked={p.log ?? false}
                  disabled={disabled}
                  onChange={(e) => update(i, { log: e.target.checked })}
                />{' '}
                log
              </label>
            </>
          )}
          <button
            type="button"
            className="button button--link"
            disabled={disabled}
            aria-label={`remove ${p.name}`}
            onClick={() => onChange(space.filter((_, j) => j !== i))}
          >
            remove
          </button>
        </div>
      ))}
      {unused.length > 0 && (
        <button
          type="button"
          className="button button--link"
          disabled={disabled}
          onClick={() => onChange([...space, { name: unused[0], type: 'float', low: 0, high: 0.1, log: false }])}
        >
          + add parameter
        </button>
      )}
    </div>
  );
}
