/**
 * The API's routes, defined once: the function routes by them (lambda/payments/app.ts), the stack
 * builds its resources and methods from them (infra/constructs/payments-api.ts), and local mode's
 * gateway matches requests against them (local/api-gateway.ts).
 */
export const Resource = {
  Payments: '/payments',
  Payment: '/payments/{id}',
  StripeWebhook: '/webhooks/stripe',
} as const;
export type Resource = (typeof Resource)[keyof typeof Resource];

/** Which methods each resource serves, and which function serves them. */
export const ROUTES = {
  [Resource.Payments]: { methods: ['GET', 'POST'], function: 'payments' },
  [Resource.Payment]: { methods: ['GET'], function: 'payments' },
  [Resource.StripeWebhook]: { methods: ['POST'], function: 'webhook' },
} as const satisfies Record<Resource, { methods: readonly string[]; function: 'payments' | 'webhook' }>;

const routeNames = Object.entries(ROUTES).flatMap(([resource, route]) => [...route.methods].reverse().map((method) => `${method} ${resource}`));
/** `POST /payments, GET /payments, … and POST /webhooks/stripe`: what the API serves, for messages. */
export const ROUTE_SUMMARY = `${routeNames.slice(0, -1).join(', ')} and ${routeNames.at(-1)}`;

export type RouteMatch = { resource: Resource; pathParameters: Record<string, string> } | { resource: Resource; malformed: true };

/**
 * The resource whose template the path fits (a `{name}` segment takes any one non-empty
 * segment), with its path parameters; null when none does. With `decode`, the path is raw (an
 * encoded `/` stays inside its segment) and parameters are percent-decoded: `malformed` when one
 * is not valid percent-encoding.
 */
export function matchResource(path: string, options: { decode?: boolean } = {}): RouteMatch | null {
  const segments = path.split('/');
  for (const resource of Object.values(Resource)) {
    const template = resource.split('/');
    if (template.length !== segments.length) continue;
    const pathParameters: Record<string, string> = {};
    let fits = true;
    let malformed = false;
    template.forEach((part, i) => {
      const segment = segments[i]!;
      if (!part.startsWith('{')) {
        fits &&= part === segment;
        return;
      }
      if (segment === '') fits = false;
      else if (!options.decode) pathParameters[part.slice(1, -1)] = segment;
      else {
        try {
          pathParameters[part.slice(1, -1)] = decodeURIComponent(segment);
        } catch {
          malformed = true;
        }
      }
    });
    if (fits) return malformed ? { resource, malformed: true } : { resource, pathParameters };
  }
  return null;
}

/** The path of a resource with its parameters filled in: `/payments/{id}` with `id` → `/payments/pay_…`. */
export const pathOf = (resource: Resource, pathParameters: Record<string, string>): string | undefined => {
  let missing = false;
  const path = resource.replace(/\{(\w+)\}/g, (_, name: string) => pathParameters[name] ?? ((missing = true), ''));
  return missing ? undefined : path;
};

export const isResource = (value: string | undefined): value is Resource => Object.values<string>(Resource).includes(value ?? '');
