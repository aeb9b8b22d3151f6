// Counts token lengths off the main thread: training a tokenizer (or loading an imported model's)
// and encoding the XSum sample takes seconds, which would freeze the page. The work itself is
// answerTokenLengthRequest (Node-tested); this file only carries messages.
/// <reference lib="webworker" />
import { answerTokenLengthRequest } from './answer';

self.onmessage = (ev: MessageEvent) => {
  // Every request gets an answer, a bad one included ('error' naming what is wrong), so the chart
  // never waits on a request that was silently dropped.
  (self as unknown as DedicatedWorkerGlobalScope).postMessage(answerTokenLengthRequest(ev.data));
};
