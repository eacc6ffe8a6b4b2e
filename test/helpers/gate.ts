/** A promise the test settles: a handler that is still running until the test opens the gate. */
export function gate() {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { opened, open };
}
