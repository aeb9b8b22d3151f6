import { expect, test } from '@playwright/test';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { unzipSync } from 'fflate';
import { configureRun, openStudio, watchConsole } from './helpers';

// The fixtures live beside the repo (../shared), never copied in; STUDIO_SHARED_DIR moves them.
const shared = process.env.STUDIO_SHARED_DIR ?? resolve('..', 'shared');
const fixture = (name: string) => resolve(shared, 'fixtures', 'llama2c', name);

// Import the real llama2.c checkpoint, fine-tune it for one epoch, export it as Hugging Face
// files, import the export: the model says exactly what it said before the round trip.
test('import llama2.c → train 1 epoch → export HF → re-import: greedy output unchanged', async ({ page }) => {
  const errors = watchConsole(page);
  await openStudio(page);

  await page.getByTestId('model-import').setInputFiles([fixture('aidreams260K.bin'), fixture('tok512.bin')]);
  await expect(page.getByTestId('base-model')).toContainText('aidreams260K.bin');
  await expect(page.getByTestId('base-model')).toContainText('grown from 512 to 513');
  // The Data panel's length histogram now counts with the imported model's own tokenizer.
  await expect(page.getByTestId('token-hist-tokenizer')).toContainText(
    "tokenized with the imported model's tokenizer (vocab 513)",
    { timeout: 90_000 },
  );

  // The checkpoint was trained on 128 positions: prompt + summary must fit.
  await configureRun(page, {
    backend: 'wasm',
    numbers: {
      'epochs-input': 1,
      'batch-size-input': 4,
      'max-train-samples-input': 8,
      'validation-size-input': 2,
      'max-source-input': 64,
      'max-target-input': 24,
    },
  });
  await page.getByTestId('train-button').click();
  await expect(page.getByTestId('run-status')).toHaveText('finished', { timeout: 4 * 60_000 });
  await expect(page.getByTestId('trained-model')).toContainText('Trained from Imported aidreams260K.bin');

  const greedyOf = async (slot: 'trained' | 'base') => {
    const pick = page.getByTestId('try-slot');
    if (await pick.count()) await pick.selectOption(slot);
    await page.getByTestId('try-generate').click();
    const out = page.getByTestId('try-output');
    await expect(out).toHaveAttribute('data-slot', slot);
    await expect(page.getByTestId('model-busy')).toHaveCount(0, { timeout: 60_000 });
    return (await out.textContent()) ?? '';
  };
  const before = await greedyOf('trained');

  const [download] = await Promise.all([
    page.waitForEvent('download'),
    page.getByTestId('model-export-trained').click(),
  ]);
  const zipPath = test.info().outputPath('trained-model-hf.zip');
  await download.saveAs(zipPath);
  const files = unzipSync(new Uint8Array(readFileSync(zipPath)));
  expect(Object.keys(files).sort()).toEqual([
    'config.json',
    'generation_config.json',
    'model.safetensors',
    'tokenizer.json',
    'tokenizer_config.json',
  ]);
  const config = JSON.parse(new TextDecoder().decode(files['config.json']));
  expect(config).toMatchObject({
    architectures: ['LlamaForCausalLM'],
    vocab_size: 513,
    hidden_size: 64,
    num_hidden_layers: 4,
  });

  await page.getByTestId('model-import').setInputFiles(zipPath);
  await expect(page.getByTestId('base-model')).toContainText('trained-model-hf.zip');
  const after = await greedyOf('base');
  expect(after.length).toBeGreaterThan(0);
  expect(after).toBe(before);
  expect(errors).toEqual([]);
});

test('a bad model file is refused in place, naming the problem, and the current model is kept', async ({ page }) => {
  await page.goto('/');
  await page.getByTestId('model-import').setInputFiles([fixture('aidreams260K.bin')]);
  await expect(page.getByTestId('model-error')).toContainText('needs its tokenizer .bin');
  await expect(page.getByTestId('base-model-none')).toBeVisible();
  await page.getByTestId('model-import').setInputFiles({
    name: 'config.json',
    mimeType: 'application/json',
    buffer: Buffer.from('{"model_type": "gpt2"}'),
  });
  await expect(page.getByTestId('model-error')).toContainText('model_type "gpt2" is not supported');
});
