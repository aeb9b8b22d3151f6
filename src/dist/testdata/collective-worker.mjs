// worker_threads body for the multi-thread tests: one rank per thread. Implements no collective
// logic itself: it imports the real module (transpiled from TypeScript by the test) from
// workerData.moduleUrl and runs the same script runner as the in-process tests.
import { parentPort, workerData } from 'node:worker_threads';

const { transport, moduleUrl, rank, world, sab, name, chunkFloats, script } = workerData;
const mod = await import(moduleUrl);
const c =
  transport === 'sab'
    ? new mod.SabCollective(rank, world, sab, { timeoutMs: 30_000 })
    : await mod.ChannelCollective.connect(name, rank, world, { chunkFloats, timeoutMs: 30_000 });

const outputs = [];
for (const s of script) {
  if (s.op === 'sum') {
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
