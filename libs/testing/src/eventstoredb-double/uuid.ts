import { type UuidDto, sharedPb } from './proto.js';

const HEX32 = /^[0-9a-f]{32}$/;

/**
 * `Uuid.FromDto` on the server: the string form goes through `Guid.Parse` (hyphenated, plain,
 * braced or parenthesised), the structured form is two big-endian int64 halves. Anything else is an
 * exception in the handler. Returns the canonical lower-case hyphenated form (`Guid.ToString()`).
 */
export function parseUuid(dto: UuidDto | undefined): string {
  if (!dto) throw new Error('missing UUID');
  if (dto.hasStructured()) {
    const structured = dto.getStructured()!;
    const msb = BigInt.asUintN(64, BigInt(structured.getMostSignificantBits()));
    const lsb = BigInt.asUintN(64, BigInt(structured.getLeastSignificantBits()));
    return format(msb.toString(16).padStart(16, '0') + lsb.toString(16).padStart(16, '0'));
  }
  if (dto.hasString()) {
    let text = dto.getString().trim().toLowerCase();
    if ((text.startsWith('{') && text.endsWith('}')) || (text.startsWith('(') && text.endsWith(')'))) {
      text = text.slice(1, -1);
    }
    const hyphenated = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/.test(text);
    const plain = text.replaceAll('-', '');
    if (!(hyphenated || (HEX32.test(text) && plain === text))) throw new Error(`Unrecognized Guid format: ${dto.getString()}`);
    return format(plain);
  }
  throw new Error('UUID without a value');
}

/** Reads answer in the form the request's `uuid_option` asks for; structured when it is unset. */
export function toUuidDto(id: string, form: 'string' | 'structured'): UuidDto {
  const dto = new sharedPb.UUID();
  if (form === 'string') {
    dto.setString(id);
    return dto;
  }
  const hex = id.replaceAll('-', '');
  const structured = new sharedPb.UUID.Structured();
  structured.setMostSignificantBits(BigInt.asIntN(64, BigInt(`0x${hex.slice(0, 16)}`)).toString());
  structured.setLeastSignificantBits(BigInt.asIntN(64, BigInt(`0x${hex.slice(16)}`)).toString());
  dto.setStructured(structured);
  return dto;
}

export const EMPTY_GUID = '00000000-0000-0000-0000-000000000000';

function format(hex: string): string {
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
