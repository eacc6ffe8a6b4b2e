import { matchResource, pathOf, Resource, ROUTE_SUMMARY, ROUTES } from '../../../lambda/shared/routes';

describe('the one route table', () => {
  test.each<[string, ReturnType<typeof matchResource>]>([
    ['/payments', { resource: Resource.Payments, pathParameters: {} }],
    ['/payments/pay_1', { resource: Resource.Payment, pathParameters: { id: 'pay_1' } }],
    ['/webhooks/stripe', { resource: Resource.StripeWebhook, pathParameters: {} }],
    ['/payments/', null],
    ['/payments/a/b', null],
    ['/payment', null],
    ['/webhooks/other', null],
  ])('%s matches %j', (path, expected) => {
    expect(matchResource(path)).toEqual(expected);
  });

  test('a raw path keeps an encoded slash inside its parameter, and a bad escape is malformed, not a miss', () => {
    expect(matchResource('/payments/a%2Fb', { decode: true })).toEqual({ resource: Resource.Payment, pathParameters: { id: 'a/b' } });
    expect(matchResource('/payments/%ZZ', { decode: true })).toEqual({ resource: Resource.Payment, malformed: true });
    expect(matchResource('/payments/%ZZ')).toEqual({ resource: Resource.Payment, pathParameters: { id: '%ZZ' } });
  });

  test('a template filled with its parameters is the path again; a missing parameter gives no path', () => {
    expect(pathOf(Resource.Payment, { id: 'pay_1' })).toBe('/payments/pay_1');
    expect(pathOf(Resource.Payment, {})).toBeUndefined();
    expect(pathOf(Resource.Payments, {})).toBe('/payments');
  });

  test('the summary names every method of every resource', () => {
    expect(ROUTE_SUMMARY).toBe('POST /payments, GET /payments, GET /payments/{id} and POST /webhooks/stripe');
    expect(Object.values(ROUTES).flatMap((route) => route.methods)).toHaveLength(4);
  });
});
