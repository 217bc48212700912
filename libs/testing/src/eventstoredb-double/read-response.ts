import type { ServerWritableStream } from '@grpc/grpc-js';
import type { StoredEvent } from './event-log.js';
import type { RpcError } from './errors.js';
import { type TfPos, ticksSinceEpoch, toWire } from './positions.js';
import { type ReadReq, type ReadResp, streamIdentifier, streamsPb } from './proto.js';
import { toUuidDto } from './uuid.js';

const { ReadResp: ReadRespClass } = streamsPb;

export type UuidForm = 'string' | 'structured';

/** `ConvertToReadEvent` / `ConvertToRecordedEvent` in `Streams.Read.cs`. */
export function eventResponse(event: StoredEvent, uuidForm: UuidForm): ReadResp {
  const recorded = new ReadRespClass.ReadEvent.RecordedEvent();
  recorded.setId(toUuidDto(event.id, uuidForm));
  recorded.setStreamIdentifier(streamIdentifier(event.streamName));
  recorded.setStreamRevision(event.revision.toString());
  recorded.setCommitPosition(event.position.toString());
  recorded.setPreparePosition(event.position.toString());
  const metadata = recorded.getMetadataMap();
  metadata.set('type', event.type);
  metadata.set('created', ticksSinceEpoch(event.created).toString());
  metadata.set('content-type', event.isJson ? 'application/json' : 'application/octet-stream');
  recorded.setCustomMetadata(event.metadata);
  recorded.setData(event.data);

  const readEvent = new ReadRespClass.ReadEvent();
  readEvent.setEvent(recorded);
  readEvent.setCommitPosition(event.position.toString());
  const response = new ReadRespClass();
  response.setEvent(readEvent);
  return response;
}

export function confirmationResponse(subscriptionId: string): ReadResp {
  const confirmation = new ReadRespClass.SubscriptionConfirmation();
  confirmation.setSubscriptionId(subscriptionId);
  const response = new ReadRespClass();
  response.setConfirmation(confirmation);
  return response;
}

export function checkpointResponse(position: TfPos): ReadResp {
  const wire = toWire(position);
  const checkpoint = new ReadRespClass.Checkpoint();
  checkpoint.setCommitPosition(wire.commit);
  checkpoint.setPreparePosition(wire.prepare);
  const response = new ReadRespClass();
  response.setCheckpoint(checkpoint);
  return response;
}

export function caughtUpResponse(): ReadResp {
  const response = new ReadRespClass();
  response.setCaughtUp(new ReadRespClass.CaughtUp());
  return response;
}

export function streamNotFoundResponse(streamName: string): ReadResp {
  const notFound = new ReadRespClass.StreamNotFound();
  notFound.setStreamIdentifier(streamIdentifier(streamName));
  const response = new ReadRespClass();
  response.setStreamNotFound(notFound);
  return response;
}

export function uuidFormOf(options: NonNullable<ReturnType<ReadReq['getOptions']>>): UuidForm {
  return options.getUuidOption()?.hasString() ? 'string' : 'structured';
}

/**
 * The response side of `Streams.Read`: writes honour gRPC flow control (a slow reader holds the
 * double back, as the server's bounded channels do), and everything stops once the client cancels.
 */
export class ResponseStream {
  private cancelled = false;
  private finished = false;
  private wakers: Array<() => void> = [];

  constructor(private readonly call: ServerWritableStream<ReadReq, ReadResp>) {
    const stop = () => {
      this.cancelled = true;
      this.wake();
    };
    call.on('cancelled', stop);
    call.on('close', stop);
    call.on('drain', () => this.wake());
  }

  get isOpen(): boolean {
    return !this.cancelled && !this.finished;
  }

  /** Resolves false once the call is gone; callers then stop. */
  async write(message: ReadResp): Promise<boolean> {
    if (!this.isOpen) return false;
    if (this.call.write(message)) return true;
    await this.waitForWake();
    return this.isOpen;
  }

  /** Lets a long-lived reader wait for `other` or the client going away, whichever comes first. */
  async until(other: Promise<void>): Promise<boolean> {
    if (!this.isOpen) return false;
    let waker!: () => void;
    const woken = new Promise<void>((resolve) => (waker = resolve));
    this.wakers.push(waker);
    await Promise.race([other, woken]);
    this.wakers = this.wakers.filter((w) => w !== waker);
    return this.isOpen;
  }

  end(): void {
    if (!this.isOpen) return;
    this.finished = true;
    this.call.end();
  }

  fail(error: RpcError): void {
    if (!this.isOpen) return;
    this.finished = true;
    this.call.emit('error', error);
  }

  private waitForWake(): Promise<void> {
    return new Promise((resolve) => this.wakers.push(resolve));
  }

  private wake() {
    const wakers = this.wakers;
    this.wakers = [];
    for (const wake of wakers) wake();
  }
}
