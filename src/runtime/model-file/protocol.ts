// Messages to and from the model-file worker: the Files a user picked in in the model panel (and,
// for an adapter, the base's config.json) in; the model's HF files or the adapter's PEFT files with
// notes, or the refusal's message, out. One worker per pick, terminated after its one answer, so
// messages never need matching to requests.
import type { ModelFile } from '../../model/io/model-files';
import { isFileList, isObj, isStr } from '../message-checks';

/** A File as the worker needs it (a File is a Blob with a name; posting it copies a handle, not its bytes). */
export type PickedFile = Blob & { name: string };

export type ModelFileRequest =
  | { type: 'import-model'; files: PickedFile[] }
  | {
      type: 'import-adapter';
      files: PickedFile[];
      /** The chosen base's config.json: all an adapter's shapes depend on. */
      baseConfig: Uint8Array;
      baseId?: { id: string; revision: string };
    };

export type ModelFileMessage =
  | { type: 'model'; files: ModelFile[]; notes: string[] }
  | { type: 'adapter'; adapter: ModelFile[]; notes: string[] }
  | { type: 'error'; message: string };

const isPicked = (v: unknown): v is PickedFile[] =>
  Array.isArray(v) && v.every((f) => isObj(f) && isStr(f.name) && typeof f.size === 'number');
const isNotes = (v: unknown): v is string[] => Array.isArray(v) && v.every(isStr);

/** The request typed, or what is wrong with it. */
export function checkModelFileRequest(m: unknown): ModelFileRequest | string {
  if (!isObj(m) || !isPicked(m.files)) return 'model-file request: files must be a list of Files';
  if (m.type === 'import-model') return m as unknown as ModelFileRequest;
  if (m.type !== 'import-adapter') return 'model-file request: type must be import-model or import-adapter';
  if (!(m.baseConfig instanceof Uint8Array))
    return "model-file request: baseConfig must be the base's config.json bytes";
  const id = m.baseId;
  if (id !== undefined && !(isObj(id) && isStr(id.id) && isStr(id.revision)))
    return 'model-file request: baseId must be {id, revision}';
  return m as unknown as ModelFileRequest;
}

/** The message typed, or what is wrong with it. */
export function checkModelFileMessage(m: unknown): ModelFileMessage | string {
  if (!isObj(m)) return 'model-file message is not an object';
  switch (m.type) {
    case 'model':
      return isFileList(m.files) && m.files.length > 0 && isNotes(m.notes)
        ? (m as unknown as ModelFileMessage)
        : 'model-file model needs files [{name, bytes}] and notes';
    case 'adapter':
      return isFileList(m.adapter) && m.adapter.length > 0 && isNotes(m.notes)
        ? (m as unknown as ModelFileMessage)
        : 'model-file adapter needs adapter [{name, bytes}] and notes';
    case 'error':
      return isStr(m.message) ? (m as unknown as ModelFileMessage) : 'model-file error has no message';
    default:
      return 'model-file message has an unknown type';
  }
}
