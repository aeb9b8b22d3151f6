// A full browser store, said the same way wherever the studio saves (studies, checkpoints, models):
// which error it is, and how full the site is when the browser tells (navigator.storage.estimate()).
import { formatBytesIn } from './format';

/** QuotaExceededError, or Firefox's older name for it. */
export function isQuotaError(err: unknown): boolean {
  const name = (err as { name?: unknown } | null)?.name;
  return name === 'QuotaExceededError' || name === 'NS_ERROR_DOM_QUOTA_REACHED';
}

/** "This site uses X MB of its Y MB quota." when the browser reports it. */
export async function usageText(): Promise<string> {
  try {
    const estimate = typeof navigator === 'undefined' ? undefined : await navigator.storage?.estimate?.();
    if (estimate?.usage !== undefined && estimate.quota !== undefined) {
      return `This site uses ${formatBytesIn(estimate.usage, 'MB')} of its ${formatBytesIn(estimate.quota, 'MB')} quota.`;
    }
  } catch {
    // estimate() is best effort; the quota error itself is what matters
  }
  return 'The browser did not report how much space is used.';
}

/** What navigator.storage.estimate() says (bytes), or null where the browser does not tell. */
export async function storageEstimate(): Promise<{ usage: number; quota: number } | null> {
  try {
    const e = typeof navigator === 'undefined' ? undefined : await navigator.storage?.estimate?.();
    return e?.usage !== undefined && e.quota !== undefined ? { usage: e.usage, quota: e.quota } : null;
  } catch {
    return null;
  }
}

/** Whether the site's storage is already persistent (navigator.storage.persisted()); null where unknown. */
export async function storagePersisted(): Promise<boolean | null> {
  try {
    const s = typeof navigator === 'undefined' ? undefined : navigator.storage;
    return s?.persisted ? await s.persisted() : null;
  } catch {
    return null;
  }
}
