/**
 * The authorizer's settings that the stack, local mode and the docs must agree on, in one place.
 * Nothing here reads the environment.
 */

/** The request header that carries the secret key: `Authorization: Bearer sk_test_…`. */
export const AUTHORIZATION_HEADER = 'Authorization';

/** The 401's detail, the same from the function, local mode and the gateway's UNAUTHORIZED response. */
export const UNAUTHORIZED_DETAIL = `A valid secret key is required: send it as ${AUTHORIZATION_HEADER}: Bearer <secret key>.`;

/**
 * The REQUEST authorizer's identity source. API Gateway answers 401 by itself, without invoking
 * the authorizer, when it is missing, and uses its value as the result cache's key.
 */
export const AUTHORIZER_IDENTITY_SOURCE = `method.request.header.${AUTHORIZATION_HEADER}`;

/**
 * How long API Gateway reuses the authorizer's answer for one Authorization value, in seconds.
 * It bounds revocation: a revoked (or leaked and revoked) key keeps working in AWS for at most
 * this long after `npm run keys -- revoke`, while a busy client costs one authorizer invocation
 * and one GetItem a minute instead of one per request. API Gateway's default is 300 s; 60 s is
 * the window a payments operator can still call "at once". Local mode has no cache: it refuses
 * a revoked key on the next request.
 */
export const AUTHORIZER_CACHE_TTL_SECONDS = 60;

/** The `WWW-Authenticate` value of every 401 (RFC 6750 section 3), from the gateway and local mode alike. */
export const WWW_AUTHENTICATE_BEARER = 'Bearer';
