// The memory snapshot's file: written at build time (tools/make_snapshot.mjs), read by the worker
// (boot.mjs). More than half of a snapshot (Python's memory, after Pyodide's own header) is pages
// of zeros, heap not yet used; unpacking them would cost the page as much as unpacking the rest.
// So the file leaves them out: a header of little-endian u32s (MAGIC, the snapshot's length,
// PAGE, how many runs of pages are kept, then each run's first page and page count), then the
// runs' bytes. The site serves it gzipped.
const MAGIC = 0x4d475053; // "MGPS"
const PAGE = 4096;

// The file's bytes for a snapshot (a Uint8Array), before gzip.
export function withoutZeroPages(snapshot) {
  const runs = []; // [first page, page count] (the last page may be short)
  for (let page = 0; page < Math.ceil(snapshot.length / PAGE); page++) {
    if (!snapshot.subarray(page * PAGE, (page + 1) * PAGE).some((byte) => byte)) continue;
    const last = runs.at(-1);
    if (last && last[0] + last[1] === page) last[1]++;
    else runs.push([page, 1]);
  }
  const words = [MAGIC, snapshot.length, PAGE, runs.length, ...runs.flat()];
  const pieces = runs.map(([page, count]) => snapshot.subarray(page * PAGE, (page + count) * PAGE));
  const file = new Uint8Array(4 * words.length + pieces.reduce((sum, piece) => sum + piece.length, 0));
  const header = new DataView(file.buffer);
  words.forEach((word, i) => header.setUint32(4 * i, word, true));
  let position = 4 * words.length;
  for (const piece of pieces) {
    file.set(piece, position);
    position += piece.length;
  }
  return file;
}

// The snapshot from a response with the file: {memory, whole}. The memory (zeros, of the
// snapshot's length) comes as soon as the header is read; `whole` resolves once the runs are
// copied into it, as they are unpacked, and rejects if the file is damaged.
export async function unpackSnapshot(response) {
  const reader = await unpackedBytes(response);
  let chunk = new Uint8Array(0), offset = 0;
  const readInto = async (target, position, length) => {
    for (let end = position + length; position < end;) {
      if (offset === chunk.length) {
        const { value, done } = await reader.read();
        if (done) throw new Error("the snapshot file ends early");
        [chunk, offset] = [value, 0];
      }
      const bytes = chunk.subarray(offset, offset + end - position);
      target.set(bytes, position);
      [offset, position] = [offset + bytes.length, position + bytes.length];
    }
    return target;
  };
  const words = async (count) => {
    const view = new DataView((await readInto(new Uint8Array(4 * count), 0, 4 * count)).buffer);
    return Array.from({ length: count }, (_, i) => view.getUint32(4 * i, true));
  };
  const [magic, length, page, count] = await words(4);
  if (magic !== MAGIC) throw new Error("the file is not a snapshot of this site's");
  const runs = await words(2 * count), memory = new Uint8Array(length);
  const whole = (async () => {
    for (let i = 0; i < runs.length; i += 2) {
      const start = runs[i] * page;
      await readInto(memory, start, Math.min(runs[i + 1] * page, length - start)); // (the last page may be short)
    }
    // (to the end, where gzip's check of the whole is)
    if (offset < chunk.length || !(await reader.read()).done) throw new Error("the snapshot file is longer than it says");
  })();
  return { memory, whole };
}

// A reader of the file's bytes, gunzipped: the site serves it gzipped; the offline copy keeps it
// unpacked (sw.js), and so does a browser when the host adds Content-Encoding: gzip. Its first
// two bytes tell which.
async function unpackedBytes(response) {
  const reader = response.body.getReader();
  const head = [];
  for (let size = 0; size < 2;) {
    const { value, done } = await reader.read();
    if (done) break;
    head.push(value);
    size += value.length;
  }
  const [first, second] = head.flatMap((chunk) => [...chunk.subarray(0, 2)]);
  const bytes = new ReadableStream({
    start: (controller) => head.forEach((chunk) => controller.enqueue(chunk)),
    pull: async (controller) => {
      const { value, done } = await reader.read();
      if (done) controller.close();
      else controller.enqueue(value);
    },
    cancel: (reason) => reader.cancel(reason),
  });
  const gzipped = first === 0x1f && second === 0x8b;
  return (gzipped ? bytes.pipeThrough(new DecompressionStream("gzip")) : bytes).getReader();
}
