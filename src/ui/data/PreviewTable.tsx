// The first rows of the loaded data, every column, as plain text (React text nodes, never HTML):
// the values come from a user's file or a Hub dataset. Long cells are clipped by CSS.
import type { RecordTable } from '../../data/readers';
import type { ColumnMapping } from '../../data/types';
import { previewColumns } from './preview-columns';

const ROWS = 5;

function cellText(v: unknown): string {
  if (typeof v === 'string') return v;
  if (v === null || v === undefined) return '';
  if (typeof v === 'bigint') return `${v}`;
  try {
    return JSON.stringify(v) ?? String(v);
  } catch {
    return String(v);
  }
}

export function PreviewTable({ table, mapping }: { table: RecordTable; mapping: ColumnMapping }) {
  // Mapped columns first, so the two that matter are visible even in a wide table.
  const columns = previewColumns(table.columns, mapping);
  const rows = table.rows.slice(0, ROWS);
  const role = (c: string) => (c === mapping.input ? 'input' : c === mapping.target ? 'target' : null);
  return (
    <div className="data-preview" data-testid="data-preview">
      <table>
        <thead>
          <tr>
            <th scope="col">{table.unit === 'row' ? 'row' : 'line'}</th>
            {columns.map((c) => (
              <th key={c} scope="col" className={role(c) ? 'data-preview__mapped' : undefined}>
                {c}
                {role(c) ? ` (${role(c)})` : ''}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {rows.map((r) => (
            <tr key={r.line}>
              <td className="data-preview__line">{r.line}</td>
              {columns.map((c) => {
                const text = cellText(r.record[c]);
                return (
                  <td key={c} title={text.length > 300 ? `${text.slice(0, 300)}…` : text}>
                    {text}
                  </td>
                );
              })}
            </tr>
          ))}
        </tbody>
      </table>
      <p className="field__hint">
        First {rows.length} of {table.rows.length} rows
        {table.columns.length > columns.length
          ? `; ${table.columns.length - columns.length} more columns not shown`
          : ''}
        .
      </p>
    </div>
  );
}
