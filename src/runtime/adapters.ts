// GPU adapter discovery on the page: browsers expose at most a high-performance and a low-power
// adapter; both are asked for and de-duplicated by their adapter info, one replica per distinct one.

export interface AdapterChoice {
  powerPreference: 'high-performance' | 'low-power';
  name: string;
}

interface AdapterLike {
  info?: { vendor?: string; architecture?: string; device?: string; description?: string };
}

const describe = (a: AdapterLike) => {
  const i = a.info ?? {};
  return (
    [i.vendor, i.architecture, i.device, i.description].filter((s) => s && s.length > 0).join(' ') || 'unnamed adapter'
  );
};

/** Distinct adapters, high-performance first; empty when the browser has no WebGPU. */
export async function discoverAdapters(): Promise<AdapterChoice[]> {
  const gpu = (navigator as unknown as { gpu?: { requestAdapter(o: object): Promise<AdapterLike | null> } }).gpu;
  if (!gpu) return [];
  const out: AdapterChoice[] = [];
  for (const powerPreference of ['high-performance', 'low-power'] as const) {
    const a = await gpu.requestAdapter({ powerPreference }).catch(() => null);
    if (!a) continue;
    const name = describe(a);
    // Two preferences often return the same adapter: the info strings tell them apart.
    if (!out.some((o) => o.name === name)) out.push({ powerPreference, name });
  }
  return out;
}
