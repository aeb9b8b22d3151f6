// Leaving the page while a run or a sweep is going stops it: the browser asks first
// (beforeunload). A sweep resumes by itself after a reload and a run from its last checkpoint,
// but the steps since that checkpoint are lost, so the user should get the choice.
import { useEffect } from 'react';
import { useRunStore } from '../store/run';
import { useSweepStore } from '../store/sweep';

export function useUnloadWarning(): void {
  const running = useRunStore((s) => s.status === 'running');
  const sweeping = useSweepStore((s) => s.status === 'running');
  const busy = running || sweeping;
  useEffect(() => {
    if (!busy) return;
    const warn = (e: BeforeUnloadEvent) => {
      e.preventDefault();
      e.returnValue = ''; // older browsers need it set; the text itself is the browser's own
    };
    window.addEventListener('beforeunload', warn);
    return () => window.removeEventListener('beforeunload', warn);
  }, [busy]);
}
