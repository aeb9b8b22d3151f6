// LoRA adapter settings in PEFT's words (peft.LoraConfig), and the names of the adapter tensors.
// A LoRA-adapted Llama is its base config plus `lora` (config.ts's LlamaConfig.lora): forward adds
// scaling · B(A(dropout(x))) to each targeted linear layer, with scaling = lora_alpha / r as PEFT
// computes it (use_rslora off). Adapter tensors live beside the base's in the same Params map, under
// the base linear's name with `.weight` replaced by `.lora_A.weight` / `.lora_B.weight`:
//   model.layers.{i}.self_attn.q_proj.lora_A.weight   (r, in)
//   model.layers.{i}.self_attn.q_proj.lora_B.weight   (out, r)
// PEFT's adapter_model.safetensors prefixes the same names with `base_model.model.` (peft.ts).

/** The Llama linear layers PEFT can target, by the module names its target_modules uses. */
export const LORA_MODULES = ['q_proj', 'k_proj', 'v_proj', 'o_proj', 'gate_proj', 'up_proj', 'down_proj'] as const;
export type LoraModule = (typeof LORA_MODULES)[number];

/** PEFT's default for Llama (TRANSFORMERS_MODELS_TO_LORA_TARGET_MODULES_MAPPING["llama"]). */
export const PEFT_LLAMA_DEFAULT_TARGETS: LoraModule[] = ['q_proj', 'v_proj'];

/** The two choices the settings offer: PEFT's Llama default, or every linear layer ("all-linear", lm_head excluded). */
export type LoraTargetChoice = 'q_proj,v_proj' | 'all-linear';

export interface LoraConfig {
  r: number; // rank
  alpha: number; // lora_alpha
  dropout: number; // lora_dropout, on the adapter's input during training only
  targetModules: LoraModule[];
}

/** PEFT computes scaling = lora_alpha / r (use_rslora = False). */
export const loraScaling = (l: LoraConfig) => l.alpha / l.r;

export function targetsOf(choice: LoraTargetChoice): LoraModule[] {
  return choice === 'all-linear' ? [...LORA_MODULES] : [...PEFT_LLAMA_DEFAULT_TARGETS];
}

/** The module path inside a layer: q_proj → self_attn.q_proj, gate_proj → mlp.gate_proj. */
const ATTENTION: readonly LoraModule[] = ['q_proj', 'k_proj', 'v_proj', 'o_proj'];
export const modulePath = (m: LoraModule) => (ATTENTION.includes(m) ? `self_attn.${m}` : `mlp.${m}`);

export const loraAName = (layer: number, m: LoraModule) => `model.layers.${layer}.${modulePath(m)}.lora_A.weight`;
export const loraBName = (layer: number, m: LoraModule) => `model.layers.${layer}.${modulePath(m)}.lora_B.weight`;
export const isLoraName = (name: string) => name.includes('.lora_A.') || name.includes('.lora_B.');

/** Throws naming the first bad field. */
export function validateLora(l: LoraConfig): void {
  if (!Number.isInteger(l.r) || l.r < 1 || l.r > 1024)
    throw new Error(`LoRA: r must be an integer in [1, 1024], got ${l.r}`);
  if (!(Number.isFinite(l.alpha) && l.alpha > 0)) throw new Error(`LoRA: lora_alpha must be > 0, got ${l.alpha}`);
  if (!(l.dropout >= 0 && l.dropout < 1)) throw new Error(`LoRA: lora_dropout must be in [0, 1), got ${l.dropout}`);
  if (!Array.isArray(l.targetModules) || l.targetModules.length === 0)
    throw new Error('LoRA: target_modules must name at least one module');
  for (const m of l.targetModules)
    if (!(LORA_MODULES as readonly string[]).includes(m))
      throw new Error(
        `LoRA: target module ${JSON.stringify(m)} is not a Llama linear layer (${LORA_MODULES.join(', ')})`,
      );
}
