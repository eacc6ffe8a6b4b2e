/**
 * Tenant ids are assigned by the operator (`npm run keys -- create <tenant>`), never by a caller:
 * the authorizer hands the function the tenant of the key it verified. Lowercase letters, digits,
 * `-` and `_`, starting with a letter or digit, at most 64 characters:
 * - one spelling per tenant (no `Acme` beside `acme`), nothing a terminal, a URL, a log query or
 *   an IAM pattern treats specially (no `#`, `*`, `:`, `/`, quotes, spaces or control characters);
 * - disjoint from the service's own tenant of webhook events (`stripe:webhook-events`).
 * API Gateway's own API key ids (the v1 tenants) fit it too. The record keys stay injective for
 * any string whatever this allows: keyDigest JSON-encodes the tenant.
 */
export const TENANT_ID = /^[a-z0-9][a-z0-9_-]{0,63}$/;

export const TENANT_ID_RULE = '1 to 64 characters: lowercase letters, digits, "-" and "_", starting with a letter or digit';

export const isTenantId = (value: string): boolean => TENANT_ID.test(value);

/** The tenant local mode creates a dev key for when LOCAL_API_KEYS is not set. */
export const LOCAL_DEV_TENANT = 'local-dev';
