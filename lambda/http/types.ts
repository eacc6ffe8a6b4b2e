/**
 * The request and response shapes the middlewares work on, whatever the event source: the
 * idempotency layer's own (lambda/idempotency/http.ts), which the product uses as they are.
 */
export { ContentType, type HttpRequest, type HttpResponse, jsonResponse } from '../idempotency/http';
