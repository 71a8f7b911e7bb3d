import http2 from 'node:http2';
import type { AddressInfo } from 'node:net';
import { Transform, type TransformCallback } from 'node:stream';
import { InvalidDataError } from '../../core/errors.js';
import { PATCHED_PATHS, ResponseHeaderField, headerRevisionOf } from './etcd-messages.js';
import { GrpcFrameReader, encodeFrame, type GrpcFrame } from './grpc-frames.js';
import { Injector, type InjectionLogEntry } from './injection.js';
import { patchPutRequest, patchRangeResponse, patchTxnRequest, patchTxnResponse, patchWatchResponse, type WritePatch } from './patch.js';
import { encodeBytesField, readBytesField } from './wire.js';

/** Where the proxy listens and what it forwards to. */
export interface EtcdProxyOptions {
  /** `HOST:PORT` to listen on; port 0 picks a free one (see `EtcdProxy.address`). */
  listen: string;
  /** etcd client URL, `http://HOST:PORT` (plain HTTP/2; TLS upstreams are not supported). */
  upstream: string;
  /** Injections to consult; a fresh, empty Injector by default. */
  injector?: Injector;
}

/** Counters of the proxy, reported by GET /healthz. */
export interface ProxyStats {
  /** Calls (HTTP/2 streams) started since start. */
  calls: number;
  /** Calls currently open upstream. */
  openUpstreamCalls: number;
  /** Messages forwarded unchanged because a rewrite failed (malformed protobuf): never dropped, never crashed. */
  patchErrors: number;
  lastPatchError?: string;
}

const {
  HTTP2_HEADER_PATH,
  HTTP2_HEADER_STATUS,
  HTTP2_HEADER_CONTENT_TYPE,
  HTTP2_HEADER_AUTHORITY,
  HTTP2_HEADER_SCHEME,
  NGHTTP2_CANCEL,
  NGHTTP2_NO_ERROR,
  NGHTTP2_FLAG_END_STREAM,
} = http2.constants;

const GRPC_STATUS_UNAVAILABLE = '14';
const GRPC_STATUS_INTERNAL = '13';

// HTTP/2 tuning for both sides: no stream limit of our own (etcd's is MaxUint32), windows large enough that a
// multi-MiB List does not stall on WINDOW_UPDATE round trips, and session memory for such responses in flight.
const SETTINGS: http2.Settings = { maxConcurrentStreams: 2 ** 31 - 1, initialWindowSize: 4 * 1024 * 1024 };
const SESSION_OPTIONS = { settings: SETTINGS, maxSessionMemory: 256 };
const SESSION_WINDOW_BYTES = 16 * 1024 * 1024;

/** Parses `http://HOST:PORT` (or bare `HOST:PORT`) into the URL the proxy connects to. */
export function upstreamUrl(upstream: string): string {
  const match = /^(?:(https?):\/\/)?([^/\s]+:\d+)\/?$/.exec(upstream.trim());
  if (!match) throw new InvalidDataError(`--upstream ${upstream}: expected an etcd client URL like http://127.0.0.1:2379`);
  if (match[1] === 'https') throw new InvalidDataError(`--upstream ${upstream}: TLS upstreams are not supported; point the proxy at etcd's http:// client URL`);
  return `http://${match[2]}`;
}

type Patchable = 'range' | 'put' | 'txn' | 'watch';
const PATCHABLE = new Map<string, Patchable>([
  [PATCHED_PATHS.range, 'range'],
  [PATCHED_PATHS.put, 'put'],
  [PATCHED_PATHS.txn, 'txn'],
  [PATCHED_PATHS.watch, 'watch'],
]);

/** Request headers for etcd: all of the client's (gRPC metadata included), but its own authority and scheme. */
function upstreamRequestHeaders(headers: http2.IncomingHttpHeaders, path?: string): http2.OutgoingHttpHeaders {
  const out: http2.OutgoingHttpHeaders = {};
  for (const name in headers) {
    if (name !== HTTP2_HEADER_AUTHORITY && name !== HTTP2_HEADER_SCHEME) out[name] = headers[name];
  }
  if (path) out[HTTP2_HEADER_PATH] = path;
  return out;
}

/** gRPC's percent-encoding of grpc-message: every byte outside printable ASCII, and `%` itself. */
function grpcMessage(text: string): string {
  let out = '';
  for (const byte of Buffer.from(text, 'utf8')) {
    out += byte >= 0x20 && byte <= 0x7e && byte !== 0x25 ? String.fromCharCode(byte) : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

/** A trailers-only gRPC error answer, for calls that never reached etcd or lost it before its answer. */
function respondWithStatus(stream: http2.ServerHttp2Stream, code: string, message: string): void {
  if (stream.destroyed || stream.closed || stream.headersSent) return;
  stream.respond(
    { [HTTP2_HEADER_STATUS]: 200, [HTTP2_HEADER_CONTENT_TYPE]: 'application/grpc', 'grpc-status': code, 'grpc-message': grpcMessage(message) },
    { endStream: true },
  );
}

/** Reads a whole (small, unary) request body. */
function readBody(stream: http2.ServerHttp2Stream): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    stream.on('data', (chunk: Buffer) => chunks.push(chunk));
    stream.once('end', () => resolve(Buffer.concat(chunks)));
    stream.once('error', reject);
  });
}

/** The single message of a unary body, or undefined when it is not exactly one uncompressed message. */
function singleMessage(body: Buffer): Buffer | undefined {
  const reader = new GrpcFrameReader();
  const frames = reader.push(body);
  return frames.length === 1 && !frames[0].compressed && reader.pendingBytes === 0 ? frames[0].message : undefined;
}

/** Rewrites each gRPC message of a stream; `rewrite` returning null drops the message. */
class MessageTransform extends Transform {
  private readonly reader = new GrpcFrameReader();

  constructor(private readonly rewrite: (frame: GrpcFrame) => Buffer | null) {
    super();
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    for (const frame of this.reader.push(chunk)) {
      const out = this.rewrite(frame);
      if (out !== null) this.push(out);
    }
    callback();
  }
}

/**
 * A transparent HTTP/2 proxy for etcd's gRPC API that alters messages only while an injection is armed.
 * Every call is forwarded as is: headers (gRPC metadata such as `hasleader` and `token`, `grpc-timeout`), DATA
 * piped with HTTP/2 flow control, response headers and trailers (status codes and messages) unchanged, resets
 * propagated both ways. Only KV/Range, KV/Put, KV/Txn and Watch messages are ever parsed: unary ones when an
 * injection could want them, Watch responses always framed (a watch opened before arming must see it) but only
 * decoded while one is armed.
 */
export class EtcdProxy {
  readonly injector: Injector;
  readonly stats: ProxyStats = { calls: 0, openUpstreamCalls: 0, patchErrors: 0 };
  private readonly upstreams = new Map<http2.Http2Session, http2.ClientHttp2Session>();
  private readonly sessions = new Set<http2.ServerHttp2Session>();

  private constructor(
    private readonly server: http2.Http2Server,
    /** The address actually bound, `HOST:PORT`. */
    readonly address: string,
    private readonly upstreamUrl: string,
    injector: Injector,
  ) {
    this.injector = injector;
    server.on('session', (session) => this.onSession(session));
    server.on('stream', (stream, headers) => this.onStream(stream, headers));
  }

  /** Binds the listen address and starts forwarding to the upstream etcd. */
  static async start(options: EtcdProxyOptions): Promise<EtcdProxy> {
    const url = upstreamUrl(options.upstream);
    const listen = /^([^\s]+):(\d+)$/.exec(options.listen.trim());
    if (!listen) throw new InvalidDataError(`--listen ${options.listen}: expected HOST:PORT, e.g. 127.0.0.1:0`);
    const server = http2.createServer(SESSION_OPTIONS);
    await new Promise<void>((resolve, reject) => {
      server.once('error', (error) =>
        reject(new InvalidDataError(`--listen ${options.listen}: cannot bind (${error.message}); pick another port`, { cause: error })),
      );
      server.listen(Number(listen[2]), listen[1], () => resolve());
    });
    const { port } = server.address() as AddressInfo;
    return new EtcdProxy(server, `${listen[1]}:${port}`, url, options.injector ?? new Injector());
  }

  /** Stops accepting connections, lets open calls finish for `graceMs`, then cuts the rest and etcd's side. */
  async close(graceMs = 1000): Promise<void> {
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    for (const session of this.sessions) session.close();
    const timer = setTimeout(() => {
      for (const session of this.sessions) session.destroy();
    }, graceMs);
    await closed;
    clearTimeout(timer);
    for (const upstream of this.upstreams.values()) upstream.destroy();
    this.upstreams.clear();
  }

  private onSession(session: http2.ServerHttp2Session): void {
    this.sessions.add(session);
    session.on('error', () => undefined);
    widenWindow(session);
    session.once('close', () => {
      this.sessions.delete(session);
      this.upstreams.get(session)?.close();
      this.upstreams.delete(session);
    });
  }

  /**
   * The etcd connection of a client connection: one each, as if the apiserver's clients talked to etcd
   * directly, so a busy resource never queues behind another on one shared connection. Replaced when etcd
   * goes away (GOAWAY, error); closed with the client's connection.
   */
  private upstreamFor(downstream: http2.Http2Session): http2.ClientHttp2Session {
    const existing = this.upstreams.get(downstream);
    if (existing && !existing.closed && !existing.destroyed) return existing;
    const upstream = http2.connect(this.upstreamUrl, SESSION_OPTIONS);
    const forget = () => {
      if (this.upstreams.get(downstream) === upstream) this.upstreams.delete(downstream);
    };
    upstream.on('error', forget);
    upstream.on('goaway', forget);
    upstream.on('close', forget);
    widenWindow(upstream);
    this.upstreams.set(downstream, upstream);
    return upstream;
  }

  private onStream(stream: http2.ServerHttp2Stream, headers: http2.IncomingHttpHeaders): void {
    this.stats.calls++;
    stream.on('error', () => undefined);
    const kind = PATCHABLE.get(headers[HTTP2_HEADER_PATH] as string);
    if ((kind === 'put' || kind === 'txn') && this.injector.watchesWrites) {
      readBody(stream).then(
        (body) => this.forwardWrite(stream, headers, kind, body),
        () => undefined,
      );
      return;
    }
    this.forward(stream, upstreamRequestHeaders(headers), kind, undefined);
  }

  /** A Put or Txn while a write or drop injection is armed: patch the request before etcd sees it. */
  private forwardWrite(stream: http2.ServerHttp2Stream, headers: http2.IncomingHttpHeaders, kind: 'put' | 'txn', body: Buffer): void {
    if (stream.destroyed || stream.closed) return;
    const request = singleMessage(body);
    const patch = request ? this.safely<WritePatch | undefined>(undefined, () => (kind === 'put' ? patchPutRequest(this.injector, request) : patchTxnRequest(this.injector, request))) : undefined;
    if (!patch || (patch.entries.length === 0 && !patch.reroute)) {
      this.forward(stream, upstreamRequestHeaders(headers), kind, undefined, body);
      return;
    }
    const upstreamBody = encodeFrame(patch.reroute?.request ?? patch.request);
    this.forward(stream, upstreamRequestHeaders(headers, patch.reroute?.path), kind, patch, upstreamBody);
  }

  /**
   * Opens the call upstream and wires both directions: the request body (piped, or `body` when it was read and
   * patched), the response headers, messages (through a rewrite when needed) and trailers, and resets.
   */
  private forward(stream: http2.ServerHttp2Stream, headers: http2.OutgoingHttpHeaders, kind: Patchable | undefined, writePatch: WritePatch | undefined, body?: Buffer): void {
    if (stream.destroyed || stream.closed) return;
    let upstreamCall: http2.ClientHttp2Stream;
    try {
      upstreamCall = this.upstreamFor(stream.session!).request(headers);
    } catch (error) {
      respondWithStatus(stream, GRPC_STATUS_UNAVAILABLE, `mutiny proxy: cannot reach etcd at ${this.upstreamUrl}: ${(error as Error).message}`);
      return;
    }
    this.stats.openUpstreamCalls++;
    let trailers: http2.IncomingHttpHeaders | undefined;
    let responded = false;
    upstreamCall.on('error', () => undefined);
    if (body) upstreamCall.end(body);
    else stream.pipe(upstreamCall);

    upstreamCall.on('response', (responseHeaders, flags) => {
      responded = true;
      if (stream.destroyed || stream.closed) return;
      if (flags & NGHTTP2_FLAG_END_STREAM) {
        // Trailers-only: an error status with no message; it must go out as headers that end the stream.
        stream.respond(responseHeaders, { endStream: true });
        return;
      }
      stream.respond(responseHeaders, { waitForTrailers: true });
      const rewrite = this.responseRewrite(kind, writePatch);
      if (rewrite) upstreamCall.pipe(new MessageTransform(rewrite)).pipe(stream);
      else upstreamCall.pipe(stream);
    });
    upstreamCall.on('trailers', (received) => {
      trailers = received;
    });
    stream.on('wantTrailers', () => {
      stream.sendTrailers(trailers ?? { 'grpc-status': GRPC_STATUS_INTERNAL, 'grpc-message': grpcMessage('etcd closed the call without a status') });
    });
    // Whoever goes first takes the other down: a cancelled or vanished client cancels etcd's side (no orphaned
    // Watch); a reset or lost etcd call resets the client's.
    stream.once('close', () => {
      if (!upstreamCall.closed) upstreamCall.close(NGHTTP2_CANCEL);
    });
    upstreamCall.once('close', () => {
      this.stats.openUpstreamCalls--;
      if (stream.destroyed || stream.closed) return;
      if (!responded) respondWithStatus(stream, GRPC_STATUS_UNAVAILABLE, `mutiny proxy: etcd at ${this.upstreamUrl} closed the call (HTTP/2 code ${upstreamCall.rstCode})`);
      else if (upstreamCall.rstCode !== undefined && upstreamCall.rstCode !== NGHTTP2_NO_ERROR) stream.close(upstreamCall.rstCode);
    });
  }

  /** The per-message rewrite of a response, or undefined to pipe it untouched. */
  private responseRewrite(kind: Patchable | undefined, writePatch: WritePatch | undefined): ((frame: GrpcFrame) => Buffer | null) | undefined {
    const injector = this.injector;
    if (kind === 'watch') {
      return (frame) => {
        if (frame.compressed || !injector.watchesReads) return frame.frame;
        const patched = this.safely<Buffer | null>(frame.message, () => patchWatchResponse(injector, frame.message));
        return patched === null ? null : patched === frame.message ? frame.frame : encodeFrame(patched);
      };
    }
    const patchesReads = (kind === 'range' || kind === 'txn') && injector.watchesReads && !writePatch?.reroute;
    if (!writePatch && !patchesReads) return undefined;
    return (frame) => {
      if (frame.compressed) return frame.frame;
      let out = frame.message;
      if (writePatch) fillRevisions(writePatch.entries, out);
      if (writePatch?.reroute) out = encodeBytesField(ResponseHeaderField, readBytesField(out, ResponseHeaderField) ?? Buffer.alloc(0));
      else if (patchesReads) {
        const original = out;
        out = this.safely(original, () => (kind === 'range' ? patchRangeResponse(injector, original) : patchTxnResponse(injector, original)));
      }
      return out === frame.message ? frame.frame : encodeFrame(out);
    };
  }

  /** Runs a rewrite; a failure (malformed message) is counted and the message goes through unchanged. */
  private safely<T>(original: T, rewrite: () => T): T {
    try {
      return rewrite();
    } catch (error) {
      this.stats.patchErrors++;
      this.stats.lastPatchError = (error as Error).message;
      return original;
    }
  }
}

function widenWindow(session: http2.Http2Session): void {
  if (session.connecting) session.once('connect', () => session.setLocalWindowSize(SESSION_WINDOW_BYTES));
  else session.setLocalWindowSize(SESSION_WINDOW_BYTES);
}

function fillRevisions(entries: InjectionLogEntry[], response: Buffer): void {
  if (entries.length === 0) return;
  const revision = headerRevisionOf(response) ?? null;
  for (const entry of entries) entry.revision = revision;
}
