// The page's Python client and state, in Node with a stand-in worker: ids, one reply per
// request, and the watchdog over pending requests. Run by tests/unit/test_web.py.
import assert from "node:assert/strict";
import { test } from "node:test";

import { PythonClient } from "../../web/python.js";
import { Store } from "../../web/state.js";

// A worker that records requests; the test answers them with reply(id, message).
class FakeWorker {
  constructor() {
    this.sent = [];
    this.terminated = false;
  }
  postMessage(message) {
    this.sent.push(message);
  }
  reply(id, message) {
    this.onmessage({ data: { id, ...message } });
  }
  terminate() {
    this.terminated = true;
  }
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

function client(limitsMs = { load: 1000, other: 150, ack: 100, loadAck: 1000 }) {
  const workers = [], failures = [];
  const python = new PythonClient({
    createWorker: () => workers[workers.push(new FakeWorker()) - 1],
    onFailure: ({ message }) => failures.push(message),
    limitsMs,
    checkEveryMs: 20,
  });
  return { python, workers, failures };
}

test("each request gets its own id, its events, and exactly one reply", async () => {
  const { python, workers, failures } = client();
  const events = [];
  const first = python.request("train", { steps: 3 }, (event) => events.push(event));
  const second = python.request("save");
  const [a, b] = workers[0].sent;
  assert.notEqual(a.id, b.id);
  assert.deepEqual([a.method, a.args, b.method], ["train", { steps: 3 }, "save"]);
  workers[0].reply(b.id, { result: { checkpoint: "{}" } });
  workers[0].reply(a.id, { event: { type: "progress", step: 1 } });
  workers[0].reply(a.id, { result: { step: 3 } });
  workers[0].reply(a.id, { result: { step: 99 } }); // a second reply is ignored
  assert.deepEqual(await first, { step: 3 });
  assert.deepEqual(await second, { checkpoint: "{}" });
  assert.deepEqual(events, [{ type: "progress", step: 1 }]);
  assert.equal(python.pending.size, 0);
  python.shutDown("test over");
  assert.deepEqual(failures, []);
});

test("bad input rejects one request and keeps the worker", async () => {
  const { python, workers, failures } = client();
  const request = python.request("describe", { n_embd: 10 });
  workers[0].reply(workers[0].sent[0].id, { accepted: true });
  workers[0].reply(workers[0].sent[0].id, { error: { message: "n_embd must be…", fatal: false } });
  await assert.rejects(request, { message: "n_embd must be…", fatal: false });
  assert.equal(workers[0].terminated, false);
  python.shutDown("test over");
  assert.deepEqual(failures, []);
});

test("the watchdog stays quiet for a slow request that keeps sending news", async () => {
  const { python, workers, failures } = client();
  const request = python.request("train", {}, () => {});
  const { id } = workers[0].sent[0];
  workers[0].reply(id, { accepted: true });
  for (let i = 0; i < 8; i++) { // 8 × 60 ms: three times the stall limit, with news all along
    await sleep(60);
    workers[0].reply(id, { event: { type: "progress" } });
  }
  workers[0].reply(id, { result: "done" });
  assert.equal(await request, "done");
  await sleep(300); // nothing pending: nothing to watch
  assert.deepEqual(failures, []);
  python.shutDown("test over");
});

test("the watchdog fires for a request that goes silent, and a restart starts afresh", async () => {
  const { python, workers, failures } = client();
  const request = python.request("generate", {});
  workers[0].reply(workers[0].sent[0].id, { accepted: true });
  await assert.rejects(request, { fatal: true }); // rejected when the watchdog gives up
  assert.deepEqual(failures, ["Python has stopped responding."]);
  assert.equal(workers[0].terminated, true);
  python.restart();
  const again = python.request("save");
  workers[1].reply(workers[1].sent[0].id, { result: 1 });
  assert.equal(await again, 1);
  python.shutDown("test over");
});

test("loading has a longer limit than other requests", async () => {
  const { python, workers, failures } = client({ load: 400, other: 50, ack: 50, loadAck: 400 });
  const load = python.request("load");
  await sleep(200); // silent for four times the other requests' limit: still fine
  assert.deepEqual(failures, []);
  workers[0].reply(workers[0].sent[0].id, { result: {} });
  await load;
  python.shutDown("test over");
});

test("a fatal error fails every pending request and reports once", async () => {
  const { python, workers, failures } = client();
  const train = python.request("train");
  const save = python.request("save");
  workers[0].reply(workers[0].sent[0].id, { error: { message: "Python crashed", details: "trace", fatal: true } });
  await assert.rejects(train, { fatal: true });
  await assert.rejects(save, { fatal: true });
  assert.deepEqual(failures, ["Python crashed"]);
});

test("a request to a dead idle worker fails within the acknowledgement limit", async () => {
  const { python, failures } = client();
  const started = performance.now();
  await assert.rejects(python.request("generate", {}), { fatal: true }); // no one acknowledges it
  assert.ok(performance.now() - started < 140); // the ack limit (100 ms), not the silence limit
  assert.deepEqual(failures, ["The Python worker has stopped: it no longer answers."]);
});

test("a request sent while another runs need not be acknowledged at once", async () => {
  const { python, workers, failures } = client({ load: 1000, other: 400, ack: 50, loadAck: 1000 });
  const train = python.request("train", {}, () => {});
  const [{ id }] = workers[0].sent;
  workers[0].reply(id, { accepted: true });
  const stop = python.request("stop"); // the worker is inside a long step: no answer for a while
  await sleep(200);
  assert.deepEqual(failures, []);
  workers[0].reply(workers[0].sent[1].id, { accepted: true });
  workers[0].reply(workers[0].sent[1].id, { result: null });
  workers[0].reply(id, { result: "stopped" });
  assert.equal(await stop, null);
  assert.equal(await train, "stopped");
  python.shutDown("test over");
});

test("a worker that never said a word is reported as silent", () => {
  const reports = [];
  const python = new PythonClient({ createWorker: () => new FakeWorker(), onFailure: (report) => reports.push(report) });
  python.worker.onerror({ message: "" });
  assert.equal(reports[0].silent, true);
});

test("the state store checks each change of phase and tells subscribers", () => {
  const store = new Store();
  const seen = [];
  store.subscribe((state, previous) => seen.push([previous?.phase ?? null, state.phase]));
  store.update({ phase: "ready" });
  store.update({ status: "still ready" });
  store.update({ phase: "training" });
  assert.throws(() => store.update({ phase: "generating" }), /cannot go from training to generating/);
  assert.equal(store.state.phase, "training"); // a refused change changes nothing
  assert.throws(() => store.update({ phase: "asleep" }));
  store.update({ phase: "failed" });
  store.update({ phase: "loading" });
  assert.deepEqual(seen, [[null, "loading"], ["loading", "ready"], ["ready", "ready"], ["ready", "training"],
                          ["training", "failed"], ["failed", "loading"]]);
});

test("durations read as a person would say them", async () => {
  const { formatSeconds } = await import("../../web/format.js");
  assert.deepEqual([0.0421, 12.34, 75.9, 141611].map(formatSeconds), ["42 ms", "12.3 s", "1 min 15 s", "39 h 20 min"]);
});

test("a dataset packs into a link and back, and a bomb is refused", async () => {
  const { packData, unpackData } = await import("../../web/links.js");
  const bytes = new TextEncoder().encode("\ufeffSão Paulo\r\nZürich\nKyōto 😀\n".repeat(50));
  const { packed, size } = await packData(bytes);
  assert.match(packed, /^[A-Za-z0-9_-]+$/); // safe in a URL fragment as it is
  assert.ok(size < bytes.length / 5);
  assert.deepEqual(await unpackData(packed, 1e6), bytes);
  const bomb = (await packData(new Uint8Array(5_000_000))).packed;
  await assert.rejects(unpackData(bomb, 1_000_000), /unpacks to more than/);
  await assert.rejects(unpackData("not*base64", 1e6));
});
