// The epoch checkpoints kept in this browser (OPFS, else IndexedDB): listed, loaded to resume a
// run, exported as Hugging Face files, deleted by the user (or by the keep-last-3 rotation of their
// own run, inside the worker). The library opens the store on first use and tells its listener
// when a run saved one, so a list on screen can refresh.
import { exportModelFiles, zipModelFiles } from '../model/io/model-files';
import { decodeCheckpoint, type TrainingCheckpoint } from '../train/checkpoint/checkpoint';
import { openCheckpointStore } from '../train/checkpoint/open';
import type { CheckpointInfo, CheckpointStore } from '../train/checkpoint/store';
import { checkpointModel } from '../train/run';
import { adapterBaseOf, exportPeftAdapter } from '../model/io/peft';
import { resumeInputs } from '../train/checkpoint/epoch-checkpoints';

/**
 * A new run's id: a time stamp, so runs sort by age and the id can name a file, and a random tail:
 * two tabs starting a run in the same millisecond must not share (and prune) each other's checkpoints.
 */
export const newRunId = (now = new Date()) => {
  const tail = globalThis.crypto.getRandomValues(new Uint8Array(3));
  return `run-${now.toISOString().replace(/[:.]/g, '-')}-${Array.from(tail, (b) => b.toString(16).padStart(2, '0')).join('')}`;
};

export class CheckpointLibrary {
  private store: Promise<CheckpointStore> | null = null;

  /** `saved`: a run wrote a checkpoint (and its rotation may have deleted older ones). */
  constructor(private readonly saved: () => void) {}

  private open(): Promise<CheckpointStore> {
    return (this.store ??= openCheckpointStore());
  }

  /** Called by a run session when its worker reports a checkpoint. */
  runSavedOne(): void {
    this.saved();
  }

  async list(): Promise<CheckpointInfo[]> {
    return (await this.open()).list();
  }

  async load(id: string): Promise<TrainingCheckpoint> {
    return decodeCheckpoint(await (await this.open()).load(id));
  }

  async remove(id: string): Promise<void> {
    await (await this.open()).delete(id);
  }

  /** A full fine-tune's checkpoint as Hugging Face files; a LoRA one as the PEFT adapter it holds (its base is the user's). */
  async exportZip(id: string): Promise<{ name: string; bytes: Uint8Array }> {
    const ckpt = await this.load(id);
    const { config, base } = ckpt.meta;
    if (config.lora) {
      const adapter = exportPeftAdapter(config, resumeInputs(ckpt).weights, adapterBaseOf(base));
      return { name: `${id}-peft-adapter.zip`, bytes: zipModelFiles(adapter) };
    }
    const m = checkpointModel(ckpt);
    return { name: `${id}-hf.zip`, bytes: zipModelFiles(exportModelFiles(m.config, m.weights, m.tokenizer)) };
  }
}
