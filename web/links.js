// What a link carries: the settings of the run on screen and of the names shown (in the query,
// settings.js), and a dataset of your own and the lab's edit, compressed, in the fragment
// (#data=...&code=...), which the browser never sends to the server.

export const MAX_LINK_DATA_BYTES = 32 * 1024; // compressed; a longer link breaks in some places

// The link in the address (its query and fragment), null for a bare address: what the page was
// opened with, and what a reload opens.
export const addressLink = () => (location.search || location.hash ? location.search + location.hash : null);

// bytes → base64url of their deflate-raw compression.
export async function packData(bytes) {
  const compressed = await collect(new Blob([bytes]).stream().pipeThrough(new CompressionStream("deflate-raw")));
  let binary = "";
  for (const byte of compressed) binary += String.fromCharCode(byte);
  return { packed: btoa(binary).replaceAll("+", "-").replaceAll("/", "_").replace(/=+$/, ""), size: compressed.length };
}

// The inverse of packData; rejects on anything that is not one, or that unpacks to more than
// maxBytes (a link can hold a small bomb).
export async function unpackData(text, maxBytes) {
  const binary = atob(text.replaceAll("-", "+").replaceAll("_", "/"));
  const bytes = Uint8Array.from(binary, (ch) => ch.charCodeAt(0));
  return collect(new Blob([bytes]).stream().pipeThrough(new DecompressionStream("deflate-raw")), maxBytes);
}

// (Read chunk by chunk with a reader: WebKit's streams can't be iterated with for await.)
async function collect(stream, maxBytes = Infinity) {
  const reader = stream.getReader();
  const chunks = [];
  let length = 0;
  for (let read = await reader.read(); !read.done; read = await reader.read()) {
    length += read.value.length;
    if (length > maxBytes) {
      reader.cancel();
      throw new Error(`it unpacks to more than ${maxBytes} bytes`);
    }
    chunks.push(read.value);
  }
  const bytes = new Uint8Array(length);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.length;
  }
  return bytes;
}

// The packed dataset in a URL's fragment, if any.
export const dataInFragment = (hash) => new URLSearchParams(hash.slice(1)).get("data");

// The lab's edit travels in the fragment too (#code=...), packed the same way.
export const MAX_LINK_CODE_BYTES = 8 * 1024; // compressed: a loop packs to about 1 kB
export const MAX_CODE_BYTES = 100_000; // unpacked, as Python's lab.MAX_SOURCE
export const codeInFragment = (hash) => new URLSearchParams(hash.slice(1)).get("code");
