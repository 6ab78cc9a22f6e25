// Numbers as a person reads them.

export function formatSeconds(seconds) {
  if (seconds < 1) return `${Math.round(seconds * 1000)} ms`;
  if (seconds < 60) return `${seconds.toFixed(1)} s`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)} min ${Math.floor(seconds % 60)} s`;
  return `${Math.floor(seconds / 3600)} h ${Math.floor((seconds % 3600) / 60)} min`;
}

export const megabytes = (bytes) => (bytes / 1e6).toFixed(1);

// A token as a sentence names it ("a", BOS), and as a cell or a KV slot shows it (⟨BOS⟩, ␣ for a space).
export const quoteToken = (token) => (token === "BOS" ? "BOS" : `"${token}"`);
export const shortToken = (token) => (token === "BOS" ? "⟨BOS⟩" : token === " " ? "␣" : token);
