// The page's one notice that settings will not be remembered (store/local-settings.ts): shown once,
// whichever store the browser refused first, until dismissed. The app keeps working either way.
import { useStorageNotice } from '../store/local-settings';

export function StorageNotice() {
  const notice = useStorageNotice((s) => s.notice);
  const dismiss = useStorageNotice((s) => s.dismiss);
  if (!notice) return null;
  return (
    <div className="notice app__notice" role="status" data-testid="storage-notice">
      <p>{notice}</p>
      <button type="button" className="button button--link" onClick={dismiss} aria-label="Dismiss the storage notice">
        Dismiss
      </button>
    </div>
  );
}
