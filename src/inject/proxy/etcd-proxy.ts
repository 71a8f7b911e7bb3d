import * as grpc from '@grpc/grpc-js';
import { InvalidDataError } from '../../core/errors.js';
import { PATCHED_PATHS, ResponseHeaderField, headerRevisionOf } from './etcd-messages.js';
import { loadEtcdMethods, type EtcdMethod } from './etcd-methods.js';
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
  /** Calls started since start. */
  calls: number;
  /** Calls (unary or streaming) currently open upstream. */
  openUpstreamCalls: number;
  /** Messages forwarded unchanged because a rewrite failed (malformed protobuf): never dropped, never crashed. */
  patchErrors: number;
  lastPatchError?: string;
}

const identity = (buffer: Buffer): Buffer => buffer;

// Default limits are 4 MiB per message: a List of a few thousand Pods exceeds that. The apiserver itself
// receives up to MaxInt32 and etcd sends up to MaxInt32, so the proxy must not be the narrower pipe.
const CHANNEL_OPTIONS: grpc.ChannelOptions = {
  'grpc.max_receive_message_length': -1,
  'grpc.max_send_message_length': -1,
};

/** Parses `http://HOST:PORT` (or bare `HOST:PORT`) into a grpc-js target. */
export function upstreamTarget(upstream: string): string {
  const match = /^(?:(https?):\/\/)?([^/\s]+:\d+)\/?$/.exec(upstream.trim());
  if (!match) throw new InvalidDataError(`--upstream ${upstream}: expected an etcd client URL like http://127.0.0.1:2379`);
  if (match[1] === 'https') throw new InvalidDataError(`--upstream ${upstream}: TLS upstreams are not supported; point the proxy at etcd's http:// client URL`);
  return match[2];
}

/** How long an upstream connection outlives the last call of its downstream connection. */
const UPSTREAM_IDLE_MS = 30_000;

/**
 * One upstream etcd connection per downstream connection (keyed by the peer address), as if the apiserver
 * talked to etcd directly: its dozens of clients keep their own HTTP/2 connections, so a busy resource never
 * queues behind another on one shared connection. A connection with no open call is closed after a while.
 */
class UpstreamPool {
  private readonly byPeer = new Map<string, { channel: grpc.Channel; open: number; idle?: NodeJS.Timeout }>();

  constructor(private readonly target: string) {}

  acquire(peer: string): grpc.Channel {
    let entry = this.byPeer.get(peer);
    if (!entry) {
      const channel = new grpc.Channel(this.target, grpc.credentials.createInsecure(), { ...CHANNEL_OPTIONS, 'grpc.use_local_subchannel_pool': 1 });
      entry = { channel, open: 0 };
      this.byPeer.set(peer, entry);
    }
    if (entry.idle) {
      clearTimeout(entry.idle);
      entry.idle = undefined;
    }
    entry.open++;
    return entry.channel;
  }

  release(peer: string): void {
    const entry = this.byPeer.get(peer);
    if (!entry || --entry.open > 0) return;
    entry.idle = setTimeout(() => {
      this.byPeer.delete(peer);
      entry.channel.close();
    }, UPSTREAM_IDLE_MS);
    entry.idle.unref();
  }

  closeAll(): void {
    for (const entry of this.byPeer.values()) {
      clearTimeout(entry.idle);
      entry.channel.close();
    }
    this.byPeer.clear();
  }
}

function statusError(status: grpc.StatusObject): Partial<grpc.StatusObject> {
  // Forwarded as is: the apiserver matches etcd errors by their message text (grpc-message).
  return { code: status.code, details: status.details, metadata: status.metadata };
}

/**
 * A transparent gRPC proxy for the etcd v3 API that alters messages only while an injection is armed.
 * Messages travel as raw Buffers (identity (de)serializers); only KV/Range, KV/Put, KV/Txn and Watch messages
 * are ever parsed, and only when the injector asks for it.
 */
export class EtcdProxy {
  readonly injector: Injector;
  readonly stats: ProxyStats = { calls: 0, openUpstreamCalls: 0, patchErrors: 0 };
  private readonly upstream: UpstreamPool;

  private constructor(
    private readonly server: grpc.Server,
    /** The address actually bound, `HOST:PORT`. */
    readonly address: string,
    upstream: UpstreamPool,
    injector: Injector,
  ) {
    this.upstream = upstream;
    this.injector = injector;
  }

  /** Binds the listen address and starts forwarding to the upstream etcd. */
  static async start(options: EtcdProxyOptions): Promise<EtcdProxy> {
    const target = upstreamTarget(options.upstream);
    const listen = /^([^\s]+):(\d+)$/.exec(options.listen.trim());
    if (!listen) throw new InvalidDataError(`--listen ${options.listen}: expected HOST:PORT, e.g. 127.0.0.1:0`);
    const server = new grpc.Server(CHANNEL_OPTIONS);
    const upstream = new UpstreamPool(target);
    const port = await new Promise<number>((resolve, reject) =>
      server.bindAsync(options.listen, grpc.ServerCredentials.createInsecure(), (error, bound) => (error ? reject(error) : resolve(bound))),
    ).catch((error: unknown) => {
      throw new InvalidDataError(`--listen ${options.listen}: cannot bind (${(error as Error).message}); pick another port`, { cause: error });
    });
    const proxy = new EtcdProxy(server, `${listen[1]}:${port}`, upstream, options.injector ?? new Injector());
    for (const method of loadEtcdMethods()) proxy.register(method);
    return proxy;
  }

  /** Stops accepting calls, cancels open ones after `graceMs`, and closes the upstream channel. */
  async close(graceMs = 1000): Promise<void> {
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        this.server.forceShutdown();
        resolve();
      }, graceMs);
      this.server.tryShutdown(() => {
        clearTimeout(timer);
        resolve();
      });
    });
    this.upstream.closeAll();
  }

  private register(method: EtcdMethod): void {
    const handler =
      method.type === 'unary'
        ? this.unaryHandler(method.path)
        : method.type === 'bidi'
          ? this.bidiHandler(method.path)
          : method.type === 'serverStream'
            ? this.serverStreamHandler(method.path)
            : undefined;
    // etcd has no client-streaming method; a proto that grew one would need a handler here first.
    if (!handler) throw new Error(`${method.path}: ${method.type} methods are not proxied`);
    this.server.register(method.path, handler as grpc.UntypedHandleCall, identity, identity, method.type);
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

  private unaryHandler(path: string): grpc.handleUnaryCall<Buffer, Buffer> {
    const isPut = path === PATCHED_PATHS.put;
    const isTxn = path === PATCHED_PATHS.txn;
    const isRange = path === PATCHED_PATHS.range;
    const injector = this.injector;
    return (call, callback) => {
      this.stats.calls++;
      let writePatch: WritePatch | undefined;
      if ((isPut || isTxn) && injector.watchesWrites) {
        const request = call.request;
        writePatch = this.safely<WritePatch | undefined>(undefined, () => (isPut ? patchPutRequest(injector, request) : patchTxnRequest(injector, request)));
      }
      const reroute = writePatch?.reroute;
      let response: Buffer | undefined;
      const upstreamCall = this.startUpstream(reroute?.path ?? path, call, {
        onReceiveMetadata: (metadata) => call.sendMetadata(metadata),
        onReceiveMessage: (message: Buffer) => {
          response = message;
        },
        onReceiveStatus: (status) => {
          if (status.code !== grpc.status.OK || response === undefined) {
            callback(statusError(status));
            return;
          }
          let out = response;
          if (writePatch && writePatch.entries.length > 0) fillRevisions(writePatch.entries, out);
          if (reroute) out = encodeBytesField(ResponseHeaderField, readBytesField(out, ResponseHeaderField) ?? Buffer.alloc(0));
          else if ((isRange || isTxn) && injector.watchesReads) {
            const original = out;
            out = this.safely(original, () => (isRange ? patchRangeResponse(injector, original) : patchTxnResponse(injector, original)));
          }
          callback(null, out, status.metadata);
        },
      });
      upstreamCall.sendMessageWithContext({}, reroute?.request ?? writePatch?.request ?? call.request);
      upstreamCall.halfClose();
      upstreamCall.startRead();
    };
  }

  private bidiHandler(path: string): grpc.handleBidiStreamingCall<Buffer, Buffer> {
    const isWatch = path === PATCHED_PATHS.watch;
    return (call) => {
      this.stats.calls++;
      const upstreamCall = this.startStreamingUpstream(path, call, isWatch);
      // Requests: one in flight upstream at a time; the downstream stream is paused until it is written.
      call.on('data', (message: Buffer) => {
        call.pause();
        upstreamCall.sendMessageWithContext({ callback: () => call.resume() }, message);
      });
      call.on('end', () => upstreamCall.halfClose());
    };
  }

  private serverStreamHandler(path: string): grpc.handleServerStreamingCall<Buffer, Buffer> {
    return (call) => {
      this.stats.calls++;
      const upstreamCall = this.startStreamingUpstream(path, call, false);
      upstreamCall.sendMessageWithContext({}, call.request);
      upstreamCall.halfClose();
    };
  }

  /**
   * Opens the upstream call on the downstream connection's etcd connection, below grpc-js's client stubs (no
   * interceptors, no per-call stack capture: messages are already Buffers). `parent` propagates the deadline
   * and cancellation: when the downstream call goes away, etcd's side is cancelled too.
   */
  private startUpstream(path: string, parent: grpc.ServerUnaryCall<Buffer, Buffer> | StreamingCall, listener: UpstreamListener): UpstreamCall {
    const peer = parent.getPeer();
    const channel = this.upstream.acquire(peer);
    this.stats.openUpstreamCalls++;
    const upstreamCall = channel.createCall(path, Infinity, undefined, parent, grpc.propagate.DEFAULTS);
    upstreamCall.start(parent.metadata, {
      onReceiveMetadata: listener.onReceiveMetadata,
      onReceiveMessage: listener.onReceiveMessage,
      onReceiveStatus: (status) => {
        this.stats.openUpstreamCalls--;
        this.upstream.release(peer);
        listener.onReceiveStatus(status);
      },
    });
    return upstreamCall;
  }

  /**
   * A streaming upstream call whose messages (Watch responses patched when armed) go to the downstream call,
   * reading the next one only once the downstream stream accepted the last (backpressure), and whose status
   * ends the downstream call.
   */
  private startStreamingUpstream(path: string, call: StreamingCall, isWatch: boolean): UpstreamCall {
    const injector = this.injector;
    const upstreamCall: UpstreamCall = this.startUpstream(path, call, {
      onReceiveMetadata: (metadata) => call.sendMetadata(metadata),
      onReceiveMessage: (message: Buffer) => {
        let out: Buffer | null = message;
        if (isWatch && injector.watchesReads) out = this.safely<Buffer | null>(message, () => patchWatchResponse(injector, message));
        if (out === null || call.write(out)) upstreamCall.startRead();
        else call.once('drain', () => upstreamCall.startRead());
      },
      onReceiveStatus: (status) => {
        if (call.cancelled) return;
        if (status.code === grpc.status.OK) call.end(status.metadata);
        else call.emit('error', statusError(status));
      },
    });
    upstreamCall.startRead();
    return upstreamCall;
  }
}

type StreamingCall = grpc.ServerWritableStream<Buffer, Buffer> | grpc.ServerDuplexStream<Buffer, Buffer>;
type UpstreamCall = ReturnType<grpc.Channel['createCall']>;
type UpstreamListener = Parameters<UpstreamCall['start']>[1];

function fillRevisions(entries: InjectionLogEntry[], response: Buffer): void {
  const revision = headerRevisionOf(response) ?? null;
  for (const entry of entries) entry.revision = revision;
}
