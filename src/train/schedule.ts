// Learning-rate schedules as transformers' get_*_schedule_with_warmup: the multiplier for 0-based
// optimizer step s (so with warmup the very first step runs at lr 0, exactly as HF does).
import type { ScheduleName } from './spec';

export function lrAt(schedule: ScheduleName, base: number, step: number, total: number, warmup: number): number {
  if (step < warmup) return (base * step) / Math.max(1, warmup);
  if (schedule === 'constant') return base;
  const progress = (step - warmup) / Math.max(1, total - warmup);
  if (schedule === 'linear') return base * Math.max(0, 1 - progress);
  return base * Math.max(0, 0.5 * (1 + Math.cos(Math.PI * progress))); // cosine, half a cycle
}

export const warmupSteps = (total: number, ratio: number) => Math.ceil(total * ratio);
