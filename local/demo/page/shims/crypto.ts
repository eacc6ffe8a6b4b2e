/** `node:crypto` for the client in the browser: the one function it uses, from Web Crypto. */
export const randomUUID = (): string => globalThis.crypto.randomUUID();
