// A line diff, for the lab's edit against the original loop: the lines of the longest common
// subsequence stay, the rest are removed ("-") or added ("+"). A loop is a few dozen lines, so the
// plain O(n·m) table is fine.
export function lineDiff(before, after) {
  const a = before.split("\n"), b = after.split("\n");
  const common = Array.from({ length: a.length + 1 }, () => new Array(b.length + 1).fill(0));
  for (let i = a.length - 1; i >= 0; i--) {
    for (let j = b.length - 1; j >= 0; j--) {
      common[i][j] = a[i] === b[j] ? common[i + 1][j + 1] + 1 : Math.max(common[i + 1][j], common[i][j + 1]);
    }
  }
  const lines = [];
  let i = 0, j = 0;
  while (i < a.length || j < b.length) {
    if (i < a.length && j < b.length && a[i] === b[j]) lines.push({ kind: " ", text: a[i++] }), j++;
    else if (j < b.length && (i === a.length || common[i][j + 1] >= common[i + 1][j])) lines.push({ kind: "+", text: b[j++] });
    else lines.push({ kind: "-", text: a[i++] });
  }
  return lines;
}
