/**
 * The authentication room's one door: secret keys, their store, verification and the authorizer.
 * The authorizer's Lambda entry is authorizer-handler.ts (it reads the environment); local mode,
 * the stack and `npm run keys` import from here.
 */
export { AUTHORIZATION_HEADER, AUTHORIZER_CACHE_TTL_SECONDS, AUTHORIZER_IDENTITY_SOURCE, UNAUTHORIZED_DETAIL, WWW_AUTHENTICATE_BEARER } from './config';
export { AUTHORIZED_PATHS, type Authorizer, type AuthorizerContext, type AuthorizerOptions, createAuthorizer } from './authorizer';
export { AuthError, AuthErrorCode } from './errors';
export { authorizationValues, authorizationValuesOfRawHeaders } from './headers';
export { type CreatedKey, DynamoSecretKeyStore, type SecretKeyLookup, type SecretKeyRecord, type SecretKeyStore, type SecretKeySummary, type SeedOutcome } from './key-store';
export { type LocalKeySeed, parseLocalApiKeys, prepareLocalKeys, type LocalKeys } from './local-keys';
export { BearerFailure, KEY_ID, KeyMode, parseBearer, parseSecretKey, type SecretKey, SECRET_ENTROPY_BITS, SECRET_KEY_FORMAT } from './secret-keys';
export { isTenantId, LOCAL_DEV_TENANT, TENANT_ID, TENANT_ID_RULE } from './tenant';
export { AuthFailure, type Verification, verifyBearer, type VerifyOptions } from './verify';
