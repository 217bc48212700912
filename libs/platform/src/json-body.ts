import { DomainError, JsonNumber } from '@partner-ledger/domain';

export interface JsonLimits {
  /** Containers (objects and arrays) nested inside one another, the body itself counting as 1. */
  maxDepth: number;
  /** Object keys in the whole body. */
  maxKeys: number;
}

export const DEFAULT_JSON_MAX_DEPTH = 64;
export const DEFAULT_JSON_MAX_KEYS = 10_000;

const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;

const malformed = (message: string) => new DomainError('validation', 'malformed_json', message);

/**
 * Parses a request body as JSON with its limits checked while parsing, so no nesting can reach a
 * recursive walker (class-transformer, JSON.stringify, our path lister) and overflow its stack.
 * Iterative: the parser's own depth costs heap, not stack. Numbers whose text a float does not
 * give back are kept as JsonNumber (see there); everything else is what JSON.parse would return,
 * except that a `__proto__` key is refused, as Fastify's default parser does.
 */
export function parseJsonBody(text: string, limits: JsonLimits): unknown {
  const n = text.length;
  let i = 0;
  let keys = 0;
  const stack: (unknown[] | Record<string, unknown>)[] = [];
  const pendingKeys: string[] = [];

  const ws = () => {
    for (;;) {
      const c = text.charCodeAt(i);
      if (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) i++;
      else return;
    }
  };
  const unexpected = (): never => {
    if (i >= n) throw malformed('Unexpected end of JSON input');
    throw malformed(`Unexpected ${JSON.stringify(text[i])} at position ${i} of the JSON body`);
  };
  const readString = (): string => {
    // i is at the opening quote. Plain strings are sliced; escapes are left to JSON.parse.
    let escaped = false;
    for (let j = i + 1; j < n; j++) {
      const c = text.charCodeAt(j);
      if (c === QUOTE) {
        const raw = text.slice(i, j + 1);
        i = j + 1;
        if (!escaped) return raw.slice(1, -1);
        try {
          return JSON.parse(raw) as string;
        } catch {
          throw malformed(`Bad escape in the JSON string at position ${j - raw.length + 1}`);
        }
      }
      if (c === BACKSLASH) {
        escaped = true;
        j++;
      } else if (c < 0x20) {
        i = j;
        unexpected();
      }
    }
    i = n;
    return unexpected();
  };
  const readKey = (): string => {
    ws();
    if (text.charCodeAt(i) !== QUOTE) unexpected();
    const key = readString();
    if (key === '__proto__') throw malformed('Object contains forbidden prototype property');
    if (++keys > limits.maxKeys) {
      throw new DomainError('validation', 'json_too_many_keys', `The JSON body has more than ${limits.maxKeys} object keys.`);
    }
    ws();
    if (text.charCodeAt(i) !== 0x3a) unexpected();
    i++;
    return key;
  };

  for (;;) {
    // A value starts at i.
    ws();
    const c = text.charCodeAt(i);
    let value: unknown;
    if (c === 0x7b || c === 0x5b) {
      if (stack.length >= limits.maxDepth) {
        throw new DomainError('validation', 'json_too_deep', `The JSON body nests objects and arrays more than ${limits.maxDepth} levels deep.`);
      }
      i++;
      ws();
      if (c === 0x7b) {
        if (text.charCodeAt(i) === 0x7d) {
          i++;
          value = {};
        } else {
          stack.push({});
          pendingKeys.push(readKey());
          continue;
        }
      } else if (text.charCodeAt(i) === 0x5d) {
        i++;
        value = [];
      } else {
        stack.push([]);
        continue;
      }
    } else if (c === QUOTE) {
      value = readString();
    } else if (c === 0x2d || (c >= 0x30 && c <= 0x39)) {
      NUMBER.lastIndex = i;
      const match = NUMBER.exec(text);
      if (!match) unexpected();
      const token = match![0];
      i += token.length;
      const number = Number(token);
      value = String(number) === token ? number : new JsonNumber(token);
    } else if (text.startsWith('true', i)) {
      i += 4;
      value = true;
    } else if (text.startsWith('false', i)) {
      i += 5;
      value = false;
    } else if (text.startsWith('null', i)) {
      i += 4;
      value = null;
    } else {
      unexpected();
    }

    // The value is complete: put it in its container and close every container it completes.
    for (;;) {
      const parent = stack.at(-1);
      ws();
      if (parent === undefined) {
        if (i < n) unexpected();
        return value;
      }
      if (Array.isArray(parent)) parent.push(value);
      else parent[pendingKeys.pop()!] = value;
      const d = text.charCodeAt(i);
      if (d === 0x2c) {
        i++;
        if (!Array.isArray(parent)) pendingKeys.push(readKey());
        break;
      }
      if (d !== (Array.isArray(parent) ? 0x5d : 0x7d)) unexpected();
      i++;
      stack.pop();
      value = parent;
    }
  }
}
