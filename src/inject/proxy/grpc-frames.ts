// gRPC length-prefixed messages on an HTTP/2 stream: 1 byte compressed flag, 4 bytes big-endian length, payload.
// The etcd Go client does not compress; a compressed message is forwarded as is and never patched.

const HEADER_BYTES = 5;

/** One gRPC message as it travelled: `frame` is the exact bytes (header included), `message` the payload. */
export interface GrpcFrame {
  compressed: boolean;
  message: Buffer;
  frame: Buffer;
}

/** Frames a payload as an uncompressed gRPC message. */
export function encodeFrame(message: Buffer): Buffer {
  const header = Buffer.allocUnsafe(HEADER_BYTES);
  header[0] = 0;
  header.writeUInt32BE(message.length, 1);
  return Buffer.concat([header, message]);
}

/** Reassembles gRPC messages from HTTP/2 DATA chunks, which may split or join messages anywhere. */
export class GrpcFrameReader {
  private pending: Buffer = Buffer.alloc(0);

  /** Adds a chunk and returns every message it completes, in order. */
  push(chunk: Buffer): GrpcFrame[] {
    let buffer = this.pending.length === 0 ? chunk : Buffer.concat([this.pending, chunk]);
    const frames: GrpcFrame[] = [];
    while (buffer.length >= HEADER_BYTES) {
      const end = HEADER_BYTES + buffer.readUInt32BE(1);
      if (buffer.length < end) break;
      const frame = buffer.subarray(0, end);
      frames.push({ compressed: frame[0] !== 0, message: frame.subarray(HEADER_BYTES), frame });
      buffer = buffer.subarray(end);
    }
    this.pending = buffer;
    return frames;
  }

  /** Bytes of an incomplete message still waiting for the rest. */
  get pendingBytes(): number {
    return this.pending.length;
  }
}
