/** What a key operation can refuse, with a stable code; messages name key ids and tenants, never a secret. */
export const AuthErrorCode = {
  /** No key has this id (revoke). */
  UnknownKey: 'unknown_key',
  /** A seeded key's id is taken by another key or another tenant (LOCAL_API_KEYS). */
  KeyConflict: 'key_conflict',
  /** Not a tenant id (see TENANT_ID). */
  InvalidTenant: 'invalid_tenant',
  /** Not a secret key (see SECRET_KEY_FORMAT). */
  InvalidKey: 'invalid_key',
} as const;
export type AuthErrorCode = (typeof AuthErrorCode)[keyof typeof AuthErrorCode];

export class AuthError extends Error {
  override name = 'AuthError';

  constructor(
    readonly code: AuthErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
