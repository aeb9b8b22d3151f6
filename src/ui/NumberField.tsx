// A number input that keeps what the user is typing (a half-typed "1e-" or an empty box) as a
// local draft, and hands the store only parsed numbers. The store decides validity; its message
// for this field is shown under the box, and a note (what the run will really do with an allowed
// value, e.g. more validation examples than the split has) beside the hint.
import { useId, useState } from 'react';

interface Props {
  label: string;
  testId: string;
  value: number;
  onCommit: (value: number) => void;
  error?: string;
  hint?: string;
  /** A fact about the value that is not an error (it does not block the run), shown under the hint. */
  note?: string;
  step?: number | 'any';
  min?: number;
  max?: number;
}

export function NumberField({ label, testId, value, onCommit, error, hint, note, step = 'any', min, max }: Props) {
  const id = useId();
  const [draft, setDraft] = useState(() => String(value));
  const [seen, setSeen] = useState(value);
  // The store changed the value from elsewhere (preset change, reset, reload): show the new value,
  // unless the draft already reads as that number (then the user's own formatting stays).
  if (!Object.is(value, seen)) {
    setSeen(value);
    if (Number(draft) !== value) setDraft(String(value));
  }
  const describedBy =
    [error ? `${id}-error` : hint ? `${id}-hint` : '', note && !error ? `${id}-note` : ''].filter(Boolean).join(' ') ||
    undefined;
  return (
    <div className={`field${error ? ' field--invalid' : ''}`}>
      <label htmlFor={id}>{label}</label>
      <input
        id={id}
        data-testid={testId}
        type="number"
        inputMode="decimal"
        step={step}
        min={min}
        max={max}
        value={draft}
        aria-invalid={error ? true : undefined}
        aria-describedby={describedBy}
        onChange={(e) => {
          setDraft(e.target.value);
          // An empty box is NaN, so the store reports it as invalid rather than guessing a value.
          onCommit(e.target.value.trim() === '' ? Number.NaN : Number(e.target.value));
        }}
      />
      {error ? (
        <p className="field__error" id={`${id}-error`} data-testid={`${testId}-error`}>
          {error}
        </p>
      ) : hint ? (
        <p className="field__hint" id={`${id}-hint`}>
          {hint}
        </p>
      ) : null}
      {note && !error && (
        <p className="field__hint field__note" id={`${id}-note`} data-testid={`${testId}-note`}>
          {note}
        </p>
      )}
    </div>
  );
}
