import { KeyMode, type SecretKeyStore } from '../../lambda/auth';

/**
 * The demo page's tenant: its payments never mix with those a developer makes as `local-dev`
 * (or as a LOCAL_API_KEYS tenant), and its key opens nothing else.
 */
export const DEMO_TENANT = 'local-demo';

/** What `GET /demo/secret-key` answers. */
export interface DemoSecretKey {
  tenant: typeof DEMO_TENANT;
  keyId: string;
  secretKey: string;
}

/**
 * The page calls the payments API from the browser with the TypeScript client, so it needs a
 * secret key (in a real shop the browser never holds one: the shop's server calls the API; here
 * the page plays that server). The key is:
 * - the demo's own, for its own tenant, in test mode, made by the page's first request for it
 *   (a local mode nobody opens the demo of makes none);
 * - held in this process's memory only (the table keeps its hash, as for any key), so it cannot
 *   be given again after a restart: each run of local mode makes a new one, and revokes it when
 *   it stops (a killed local mode leaves an active key whose secret nobody has any more);
 * - handed only to the page's own origin (routes.ts: no CORS, and only for a loopback or IP host,
 *   so a DNS-rebinding page cannot read it).
 */
export class DemoKey {
  private readonly store: Promise<SecretKeyStore>;
  private provide!: (store: SecretKeyStore) => void;
  private created: Promise<DemoSecretKey> | undefined;

  constructor(private readonly now: () => number = Date.now) {
    this.store = new Promise((resolve) => (this.provide = resolve));
  }

  /** The key store of local mode's table, once it is ready; `get` waits for it. */
  attach(store: SecretKeyStore): void {
    this.provide(store);
  }

  /** The run's demo key, made on the first call; a failed creation is tried again by the next call. */
  get(): Promise<DemoSecretKey> {
    this.created ??= this.store
      .then((store) => store.create(DEMO_TENANT, KeyMode.Test, this.now()))
      .then((created) => ({ tenant: DEMO_TENANT, keyId: created.key.keyId, secretKey: created.secret }));
    this.created.catch(() => (this.created = undefined));
    return this.created;
  }

  /** Revokes the run's key, if one was made: local mode stopping. */
  async revoke(): Promise<void> {
    const created = this.created;
    this.created = undefined;
    if (!created) return;
    const { keyId } = await created;
    await (await this.store).revoke(keyId, this.now());
  }
}
