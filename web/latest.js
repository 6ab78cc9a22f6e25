// One request at a time, the latest value next: for a control that moves faster than Python
// answers (a slider). send(value) is awaited before the next value goes; the values that came
// meanwhile are dropped but the last.
export function latestOnly(send) {
  let sending = false, waiting = false, latest;
  return async (value) => {
    latest = value;
    waiting = true;
    if (sending) return;
    sending = true;
    try {
      while (waiting) {
        waiting = false;
        await send(latest);
      }
    } finally {
      sending = false;
    }
  };
}
