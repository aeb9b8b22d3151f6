// Messages between the page and the generation worker (the model panel's "try it"): one request,
// one answer, both checked on receipt (a message that does not match is dropped and logged).
import type { ModelFile } from '../../model/io/model-files';
import { isFiles, isNum, isObj, isStr, notGenerationSettings } from '../message-checks';
import type { BackendChoice } from '../../train/spec';
import type { GenerationSettings } from '../../model/generate/generate';

/** Text from a model with the run's generation settings, in a short-lived worker of its own. */
export interface GenerateRequest extends GenerationSettings {
  type: 'generate';
  model: ModelFile[];
  prompt: string;
  maxNewTokens: number;
  backend: BackendChoice;
  summarize: boolean;
}

export type GenerateAnswer =
  { type: 'generated'; text: string; ids: number[]; backend: string } | { type: 'error'; message: string };

/** Returns the request typed, or a string saying what is wrong with it. */
export function checkGenerateRequest(msg: unknown): GenerateRequest | string {
  if (!isObj(msg) || !isStr(msg.type)) return 'message is not an object with a string "type"';
  if (msg.type !== 'generate') return `unknown message type "${msg.type}"`;
  if (!isFiles(msg.model))
    return 'message "generate": field "model" must be a non-empty list of {name, bytes: Uint8Array}';
  if (!isStr(msg.prompt)) return 'message "generate": field "prompt" must be a string';
  if (
    !isNum(msg.maxNewTokens) ||
    !Number.isInteger(msg.maxNewTokens) ||
    msg.maxNewTokens < 1 ||
    msg.maxNewTokens > 2048
  )
    return 'message "generate": maxNewTokens must be an integer in [1, 2048]';
  if (!['auto', 'webgpu', 'wasm', 'cpu'].includes(msg.backend as string))
    return `message "generate": unknown backend ${JSON.stringify(msg.backend)}`;
  if (typeof msg.summarize !== 'boolean') return 'message "generate": field "summarize" must be a boolean';
  const generation = notGenerationSettings(msg);
  if (generation) return `message "generate": ${generation}`;
  return msg as unknown as GenerateRequest;
}

/** Returns the answer typed, or a string saying what is wrong with it. */
export function checkGenerateAnswer(msg: unknown): GenerateAnswer | string {
  if (!isObj(msg) || !isStr(msg.type)) return 'message is not an object with a string "type"';
  if (msg.type === 'error')
    return isStr(msg.message)
      ? { type: 'error', message: msg.message }
      : 'message "error": field "message" is missing or has the wrong type';
  if (msg.type !== 'generated') return `unknown message type "${msg.type}"`;
  for (const [field, ok] of [
    ['text', isStr(msg.text)],
    ['ids', Array.isArray(msg.ids) && msg.ids.every(isNum)],
    ['backend', isStr(msg.backend)],
  ] as const) {
    if (!ok) return `message "generated": field "${field}" is missing or has the wrong type`;
  }
  return msg as unknown as GenerateAnswer;
}
