// The shared XSum sample (871 train + 100 validation pairs, read in place from ../shared) as a run's
// data, as the page hands it to runTraining: the one fixture the whole-run tests start from.
import { readRunData, type RunData } from '../train/run-data';
import { readSharedText } from './shared';

export function xsumRunData(): RunData {
  return readRunData(
    {
      train: { name: 'train.jsonl', text: readSharedText('data/xsum/train.jsonl') },
      validation: { name: 'validation.jsonl', text: readSharedText('data/xsum/validation.jsonl') },
    },
    () => {},
  );
}
