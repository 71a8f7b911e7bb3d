/**
 * Error classes used at module boundaries. A user error carries one line that names the input and the fix;
 * the CLI prints `error: <message>` and exits with `exitCode`. Anything else is a bug (InternalError).
 */
export class MutinyError extends Error {
  readonly exitCode: number;
  constructor(message: string, options?: { cause?: unknown; exitCode?: number }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.exitCode = options?.exitCode ?? 1;
  }
}

/** Input that does not parse or validate: a file, a flag value, a stored value. */
export class InvalidDataError extends MutinyError {}

/** etcd could not be reached or answered with an error. */
export class EtcdUnavailableError extends MutinyError {}

/** The lab (control plane) is not up, not built, or not healthy. */
export class LabNotReadyError extends MutinyError {}

/** A network source failed (HTTP status, timeout, rate limit exhausted). */
export class SourceError extends MutinyError {}

/** A bug in mutiny itself, not in its input. */
export class InternalError extends MutinyError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(`${message} (this is a bug in mutiny; please report it)`, { ...options, exitCode: 70 });
  }
}

/** Thrown by a command that already printed its message and only wants a non-zero exit. */
export class ExitError extends Error {
  constructor(readonly exitCode: number) {
    super(`exit ${exitCode}`);
  }
}
