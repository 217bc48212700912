import type { ProposedEvent } from './event-log.js';
import type { ProposedMessage } from './proto.js';
import { EMPTY_GUID, parseUuid } from './uuid.js';

export class MissingMetadataProperty extends Error {
  constructor(readonly property: 'type' | 'content-type') {
    super(`The given key '${property}' was not present in the dictionary.`);
  }
}

/** The proposed message's `type` and `content-type` entries, which the server requires. */
export function requiredMetadata(message: ProposedMessage): { type: string; contentType: string } {
  const metadata = message.getMetadataMap();
  const type = metadata.get('type');
  if (type === undefined) throw new MissingMetadataProperty('type');
  const contentType = metadata.get('content-type');
  if (contentType === undefined) throw new MissingMetadataProperty('content-type');
  return { type, contentType };
}

/**
 * `Event.SizeOnDisk(type, data, metadata)` as compiled: the C# expression
 * `data?.Length ?? 0 + metadata?.Length ?? 0 + eventType.Length * 2` binds `??` last, so only the
 * data length counts towards the append size limit.
 */
export const sizeOnDisk = (message: ProposedMessage) => message.getData_asU8().length;

/** `new Event(Uuid.FromDto(id).ToGuid(), type, contentType == "application/json", data, metadata)`. */
export function toProposedEvent(message: ProposedMessage): ProposedEvent {
  const { type, contentType } = requiredMetadata(message);
  const id = parseUuid(message.getId());
  if (id === EMPTY_GUID) throw new Error('Empty eventId provided.');
  return {
    id,
    type,
    isJson: contentType === 'application/json',
    data: Uint8Array.from(message.getData_asU8()),
    metadata: Uint8Array.from(message.getCustomMetadata_asU8()),
  };
}
