// Which columns hold the input (document) and the target (summary). Edits apply on blur or Enter,
// not per keystroke: a half-typed name is always a missing column.
import { useId, useState } from 'react';
import type { ColumnMapping } from '../../data/types';

/** Suggestions the column inputs offer: a datalist of 20,000 options costs the page seconds to build. */
const MAX_SUGGESTIONS = 200;

interface Props {
  mapping: ColumnMapping;
  columns: string[];
  disabled: boolean;
  onChange(mapping: ColumnMapping): void;
}

export function ColumnMappingFields({ mapping, columns, disabled, onChange }: Props) {
  const [draft, setDraft] = useState(mapping);
  const listId = useId();
  const inputId = useId();
  const targetId = useId();
  // A new mapping from outside (another file picked) replaces the draft: adjusted while rendering,
  // as React recommends, instead of in an effect that would render twice.
  const [shown, setShown] = useState(mapping);
  if (shown !== mapping) {
    setShown(mapping);
    setDraft(mapping);
  }

  const apply = () => {
    const next = { input: draft.input.trim(), target: draft.target.trim() };
    if (next.input !== mapping.input || next.target !== mapping.target) onChange(next);
  };
  const field = (id: string, label: string, key: keyof ColumnMapping, testId: string) => (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      <input
        id={id}
        data-testid={testId}
        list={listId}
        value={draft[key]}
        disabled={disabled}
        spellCheck={false}
        onChange={(e) => setDraft({ ...draft, [key]: e.target.value })}
        onBlur={apply}
        onKeyDown={(e) => e.key === 'Enter' && apply()}
      />
    </div>
  );
  return (
    <div className="data-mapping">
      {field(inputId, 'Input column', 'input', 'map-input')}
      {field(targetId, 'Target column', 'target', 'map-target')}
      <datalist id={listId}>
        {columns.slice(0, MAX_SUGGESTIONS).map((c) => (
          <option key={c} value={c} />
        ))}
      </datalist>
      {columns.length > MAX_SUGGESTIONS && (
        <p className="field__hint" data-testid="map-more-columns">
          Suggesting the first {MAX_SUGGESTIONS} of {columns.length.toLocaleString('en-US')} columns; type any other
          column's name.
        </p>
      )}
    </div>
  );
}
