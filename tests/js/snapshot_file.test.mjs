// The memory snapshot's file (web/snapshot-file.js): what the build writes, the worker reads back
// byte for byte, gzipped or not, in chunks of any size; a damaged file is refused. Run by
// tests/unit/test_web.py.
import assert from "node:assert/strict";
import { test } from "node:test";
import zlib from "node:zlib";

import { unpackSnapshot, withoutZeroPages } from "../../web/snapshot-file.js";

// A snapshot-like array: zero pages, pages with a byte or two, and a short last page.
function snapshot() {
  const memory = new Uint8Array(4096 * 9 + 100);
  memory[0] = 1; // page 0
  memory.fill(7, 4096 * 2, 4096 * 4); // pages 2 and 3, one run
  memory[4096 * 6 + 4095] = 9; // page 6
  memory[memory.length - 1] = 3; // the short last page
  return memory;
}

// A response whose body comes in chunks of chunkSize bytes.
function responseOf(bytes, chunkSize) {
  let position = 0;
  return new Response(new ReadableStream({
    pull(controller) {
      if (position >= bytes.length) return controller.close();
      controller.enqueue(bytes.slice(position, position + chunkSize));
      position += chunkSize;
    },
  }));
}

async function readBack(file, chunkSize) {
  const { memory, whole } = await unpackSnapshot(responseOf(file, chunkSize));
  await whole;
  return memory;
}

test("the file leaves out the zero pages and gives the snapshot back, gzipped or not", async () => {
  const original = snapshot();
  const file = withoutZeroPages(original);
  assert.ok(file.length < original.length / 2, `${file.length} bytes`);
  for (const chunkSize of [1, 3, 4096, 1 << 20]) {
    assert.deepEqual(await readBack(new Uint8Array(zlib.gzipSync(file)), chunkSize), original);
    assert.deepEqual(await readBack(file, chunkSize), original); // (as the offline copy keeps it)
  }
});

test("a file that is not one, or is cut short, or is longer, is refused", async () => {
  const file = withoutZeroPages(snapshot());
  await assert.rejects(unpackSnapshot(responseOf(new Uint8Array(zlib.gzipSync(new Uint8Array(4096))), 512)),
                       /not a snapshot/);
  await assert.rejects(readBack(new Uint8Array(zlib.gzipSync(file.slice(0, file.length - 10))), 512), /ends early/);
  const longer = new Uint8Array([...file, 0, 0, 0]);
  await assert.rejects(readBack(longer, 512), /longer than it says/);
  const gzipped = new Uint8Array(zlib.gzipSync(file));
  gzipped[gzipped.length - 5] ^= 0xff; // (gzip's own check of the whole)
  await assert.rejects(readBack(gzipped, 512));
});
