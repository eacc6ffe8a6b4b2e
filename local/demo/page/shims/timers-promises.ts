/** `node:timers/promises` for the client in the browser: the promise form of `setTimeout` it uses. */
export function setTimeout(delayMs: number): Promise<void> {
  return new Promise((resolve) => globalThis.setTimeout(resolve, delayMs));
}
