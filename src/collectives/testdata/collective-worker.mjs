// worker_threads body for the multi-thread tests: one rank per thread. Implements no collective
// logic itself: it imports the real module (transpiled from TypeScript by the test) from
// workerData.moduleUrl and runs the same script runner as the in-process tests.
import { parentPort, workerData } from 'node:worker_threads';

const { transport, moduleUrl, rank, world, memory, name, chunkFloats, script } = workerData;
const mod = await import(moduleUrl);
const c =
  transport === 'sab'
    ? new mod.SabCollective(rank, world, memory, { timeoutMs: 30_000 })
    : await mod.ChannelCollective.connect(name, rank, world, { chunkFloats, timeoutMs: 30_000 });

const outputs = [];
let shared = null; // as conformance.ts's runRank: the registered array, reused while the length holds
for (const s of script) {
  if (s.op === 'sum' && s.shared && s.inputs[rank].length > 0 && c.sharedArray) {
    const n = s.inputs[rank].length;
    if (shared?.length !== n) shared = (await c.sharedArray(n)) ?? new Float32Array(n);
    shared.set(s.inputs[rank]);
    await c.allReduceSum(shared);
    outputs.push(shared.slice());
  } else if (s.op === 'sum') {
    const d = s.inputs[rank].slice();
    await c.allReduceSum(d);
    outputs.push(d);
  } else if (s.op === 'gather') {
    outputs.push(await c.allGather(s.inputs[rank].slice()));
  } else if (s.op === 'bcast') {
    const d = s.inputs[rank].slice();
    await c.broadcast(d, s.root);
    outputs.push(d);
  } else {
    await c.barrier();
    outputs.push(new Float32Array(0));
  }
}
// A last barrier before close: close() tells peers this rank is gone, which must not race a peer
// still finishing the final step.
await c.barrier();
c.close();
parentPort.postMessage({ outputs, dropped: c.droppedMessages ?? 0 });
