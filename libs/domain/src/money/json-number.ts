/**
 * A JSON number whose text a float does not give back (`1e3`, `1.50`, `149.99000000000001`, `-0`,
 * `1E400`): the HTTP body parser hands such a number over in this wrapper, so that the amount and
 * rate grammars judge what the sender wrote, not the float it rounds to. A number whose text
 * survives the round trip (`149.99`, `42`) stays a plain number: String(n) is then its text.
 *
 * Anything else that meets the wrapper sees an object: class-validator's number checks refuse it
 * (an integer field sent as `30.0` or `1e3` is a 400 naming the field), and stored or answered as
 * JSON or BSON (a sample payload, free-form details) it is the number it denotes.
 */
export class JsonNumber {
  constructor(readonly text: string) {}

  toJSON(): number {
    return Number(this.text);
  }

  /** The MongoDB driver's serializer asks for this, as JSON.stringify asks for toJSON. */
  toBSON(): number {
    return Number(this.text);
  }

  toString(): string {
    return this.text;
  }
}

/** The exact text of a JSON number as the sender wrote it, or undefined for anything else. */
export function numberText(value: unknown): string | undefined {
  if (value instanceof JsonNumber) return value.text;
  if (typeof value === 'number') return String(value);
  return undefined;
}

/** An amount as a request carries it: a decimal string, a number, or a number kept as written. */
export type AmountInput = string | number | JsonNumber;
