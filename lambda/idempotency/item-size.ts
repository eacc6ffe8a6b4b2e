import type { AttributeValue } from '@aws-sdk/client-dynamodb';

/**
 * DynamoDB's item size, in bytes, by the rules of the Developer Guide ("DynamoDB item sizes and
 * formats"): the sum of attribute name lengths and value sizes, where
 * - a string is its UTF-8 bytes; a binary its raw bytes (not the base64 text);
 * - a number is 1 byte per two significant digits (leading and trailing zeros trimmed) + 1;
 * - null and Boolean are 1 byte;
 * - a List or Map is 3 bytes + its elements, each element 1 byte more (a Map element also counts
 *   its name, like an attribute);
 * - a set is the sum of its elements' sizes.
 * The number rule is the guide's own "approximately": within a byte of what AWS bills.
 */
export function itemSizeBytes(item: Record<string, AttributeValue>): number {
  let bytes = 0;
  for (const [name, value] of Object.entries(item)) bytes += utf8Bytes(name) + valueSizeBytes(value);
  return bytes;
}

export function valueSizeBytes(value: AttributeValue): number {
  if (value.S !== undefined) return utf8Bytes(value.S);
  if (value.N !== undefined) return numberSizeBytes(value.N);
  if (value.B !== undefined) return value.B.byteLength;
  if (value.BOOL !== undefined || value.NULL !== undefined) return 1;
  if (value.SS !== undefined) return value.SS.reduce((sum, s) => sum + utf8Bytes(s), 0);
  if (value.NS !== undefined) return value.NS.reduce((sum, n) => sum + numberSizeBytes(n), 0);
  if (value.BS !== undefined) return value.BS.reduce((sum, b) => sum + b.byteLength, 0);
  if (value.L !== undefined) return 3 + value.L.reduce((sum, element) => sum + 1 + valueSizeBytes(element), 0);
  if (value.M !== undefined) {
    return 3 + Object.entries(value.M).reduce((sum, [name, element]) => sum + 1 + utf8Bytes(name) + valueSizeBytes(element), 0);
  }
  throw new Error(`unknown attribute value type: ${Object.keys(value).join(',')}`);
}

/** 1 byte per two significant digits, rounded up, plus 1: "1000" is 2 bytes, "123.45" is 4. */
export function numberSizeBytes(text: string): number {
  const mantissa = text.trim().replace(/^[-+]/, '').replace(/e.*$/i, '');
  const digits = mantissa.replace('.', '').replace(/^0+/, '').replace(/0+$/, '');
  return Math.ceil(Math.max(digits.length, 1) / 2) + 1;
}

const utf8Bytes = (text: string) => Buffer.byteLength(text, 'utf8');
