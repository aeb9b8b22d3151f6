// The page's CSP (vite.config.ts, connect-src) lets a model download reach every host the engine
// reads through, and no Hub host beyond those and the datasets API.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { HUB_FILE_HOSTS } from '../model/hub/hub-client';

const config = readFileSync(resolve(__dirname, '../../vite.config.ts'), 'utf8');
const listed = [...config.matchAll(/'(https:\/\/[^']+)'/g)].map((m) => m[1]);

describe('the CSP connect-src', () => {
  it('allows every host a model download goes through', () => {
    for (const host of HUB_FILE_HOSTS) expect(listed).toContain(host);
  });
  it('allows no other Hub host than those and the datasets API', () => {
    const hf = listed.filter((h) => /huggingface\.co|hf\.co/.test(h));
    expect(hf.sort()).toEqual([...HUB_FILE_HOSTS, 'https://datasets-server.huggingface.co'].sort());
  });
  it('adds the configured endpoints, datasets and models', () => {
    expect(config).toContain("envOrigin('VITE_HF_ENDPOINT')");
    expect(config).toContain("envOrigin('VITE_HF_MODEL_ENDPOINT')");
  });
});
