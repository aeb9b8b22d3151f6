// Heap snapshots over CDP, summarised by what the objects are, so two of them can be diffed: the
// soak takes one early and one at the end and prints what grew (a leak shows as a constructor or
// closure whose count climbs with the trials).

/**
 * Takes a snapshot (after a GC) and returns Map(key → { count, bytes }) of self sizes, keyed
 * "type name" (e.g. "object Array", "closure onmessage", "string"). Strings are pooled under one key.
 */
export async function heapSummary(cdp) {
  await cdp.send('HeapProfiler.enable');
  await cdp.send('HeapProfiler.collectGarbage');
  const chunks = [];
  const onChunk = (e) => chunks.push(e.chunk);
  cdp.on('HeapProfiler.addHeapSnapshotChunk', onChunk);
  try {
    await cdp.send('HeapProfiler.takeHeapSnapshot', { reportProgress: false });
  } finally {
    cdp.off('HeapProfiler.addHeapSnapshotChunk', onChunk);
  }
  const snap = JSON.parse(chunks.join(''));
  const fields = snap.snapshot.meta.node_fields;
  const types = snap.snapshot.meta.node_types[0];
  const [iType, iName, iSize] = ['type', 'name', 'self_size'].map((f) => fields.indexOf(f));
  const out = new Map();
  for (let i = 0; i < snap.nodes.length; i += fields.length) {
    const type = types[snap.nodes[i + iType]];
    const name =
      type === 'string' || type === 'concatenated string' || type === 'sliced string'
        ? ''
        : snap.strings[snap.nodes[i + iName]];
    const key = `${type} ${name.length > 60 ? `${name.slice(0, 57)}...` : name}`.trim();
    const e = out.get(key) ?? { count: 0, bytes: 0 };
    e.count += 1;
    e.bytes += snap.nodes[i + iSize];
    out.set(key, e);
  }
  return out;
}

/** The `top` keys whose self size grew most from a to b, with count and byte deltas. */
export function heapGrowth(a, b, top = 15) {
  const rows = [];
  for (const [key, e] of b) {
    const before = a.get(key) ?? { count: 0, bytes: 0 };
    rows.push({ key, count: e.count - before.count, bytes: e.bytes - before.bytes });
  }
  return rows.sort((x, y) => y.bytes - x.bytes).slice(0, top);
}
