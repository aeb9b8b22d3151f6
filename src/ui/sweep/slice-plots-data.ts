// A slice plot's data: the objective of each complete trial against one parameter.
// Pure TS (no React): unit-tested in Node.
import { hasResult, type ParamSpecView, type StudyView } from '../../store/sweep-view';
import { axisValue, paramAxis, type ParamAxis } from './axes';
import { formatParam } from './number-format';
import { infiniteNote } from './parallel-coordinates-data';

export interface SliceData {
  axis: ParamAxis;
  points: { x: number; y: number; number: number; label: string }[];
  /** Trials with a ±inf value are left out (no scale holds them); this says which. Null when none. */
  note: string | null;
}

/** Objective against one parameter, complete trials only; x is the axis value (index if categorical). */
export function sliceData(study: StudyView, spec: ParamSpecView): SliceData {
  const complete = study.trials.filter(hasResult);
  const axis = paramAxis(spec, complete);
  const points: SliceData['points'] = [];
  for (const t of complete) {
    const x = axisValue(axis, t.params[spec.name]);
    if (x !== null)
      points.push({ x, y: t.value, number: t.number, label: `${spec.name} = ${formatParam(t.params[spec.name])}` });
  }
  return { axis, points, note: infiniteNote(study) };
}
