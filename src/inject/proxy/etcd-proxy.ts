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
  private readonly upstream: grpc.Client;

  private constructor(
    private readonly server: grpc.Server,
    /** The address actually bound, `HOST:PORT`. */
    readonly address: string,
    upstream: grpc.Client,
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
    const upstream = new grpc.Client(target, grpc.credentials.createInsecure(), CHANNEL_OPTIONS);
    const port = await new Promise<number>((resolve, reject) =>
      server.bindAsync(options.listen, grpc.ServerCredentials.createInsecure(), (error, bound) => (error ? reject(error) : resolve(bound))),
    ).catch((error: unknown) => {
      upstream.close();
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
    this.upstream.close();
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
      this.stats.openUpstreamCalls++;
      const upstreamCall = this.upstream.makeUnaryRequest<Buffer, Buffer>(
        reroute?.path ?? path,
        identity,
        identity,
        reroute?.request ?? writePatch?.request ?? call.request,
        call.metadata,
        { parent: call },
        (_error, value) => {
          response = value;
        },
      );
      upstreamCall.on('metadata', (metadata) => call.sendMetadata(metadata));
      upstreamCall.on('status', (status) => {
        this.stats.openUpstreamCalls--;
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
      });
      call.on('cancelled', () => upstreamCall.cancel());
    };
  }

  private bidiHandler(path: string): grpc.handleBidiStreamingCall<Buffer, Buffer> {
    const isWatch = path === PATCHED_PATHS.watch;
    return (call) => {
      this.stats.calls++;
      this.stats.openUpstreamCalls++;
      const upstreamCall = this.upstream.makeBidiStreamRequest<Buffer, Buffer>(path, identity, identity, call.metadata, { parent: call });
      this.pumpResponses(call, upstreamCall, isWatch);
      call.on('data', (message: Buffer) => {
        if (!upstreamCall.write(message)) call.pause();
      });
      upstreamCall.on('drain', () => call.resume());
      call.on('end', () => upstreamCall.end());
    };
  }

  private serverStreamHandler(path: string): grpc.handleServerStreamingCall<Buffer, Buffer> {
    return (call) => {
      this.stats.calls++;
      this.stats.openUpstreamCalls++;
      const upstreamCall = this.upstream.makeServerStreamRequest<Buffer, Buffer>(path, identity, identity, call.request, call.metadata, { parent: call });
      this.pumpResponses(call, upstreamCall, false);
    };
  }

  /**
   * Forwards upstream messages and the final status to the downstream call, honouring backpressure both
   * ways, and cancels upstream when the downstream call goes away (otherwise etcd keeps the Watch).
   */
  private pumpResponses(
    call: grpc.ServerWritableStream<Buffer, Buffer> | grpc.ServerDuplexStream<Buffer, Buffer>,
    upstreamCall: grpc.ClientReadableStream<Buffer> | grpc.ClientDuplexStream<Buffer, Buffer>,
    isWatch: boolean,
  ): void {
    const injector = this.injector;
    let finished = false;
    upstreamCall.on('metadata', (metadata) => call.sendMetadata(metadata));
    upstreamCall.on('data', (message: Buffer) => {
      let out: Buffer | null = message;
      if (isWatch && injector.watchesReads) out = this.safely<Buffer | null>(message, () => patchWatchResponse(injector, message));
      if (out !== null && !call.write(out)) upstreamCall.pause();
    });
    call.on('drain', () => upstreamCall.resume());
    // grpc-js emits 'error' before 'status' for non-OK statuses; 'status' carries everything we forward.
    upstreamCall.on('error', () => undefined);
    upstreamCall.on('status', (status) => {
      if (finished) return;
      finished = true;
      this.stats.openUpstreamCalls--;
      if (call.cancelled) return;
      if (status.code === grpc.status.OK) call.end(status.metadata);
      else call.emit('error', statusError(status));
    });
    call.on('cancelled', () => upstreamCall.cancel());
    call.on('error', () => upstreamCall.cancel());
  }
}

function fillRevisions(entries: InjectionLogEntry[], response: Buffer): void {
  const revision = headerRevisionOf(response) ?? null;
  for (const entry of entries) entry.revision = revision;
}
