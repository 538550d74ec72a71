/**
 * Error classes thrown by backprop. Every error a caller can provoke is one of
 * these, with a message that names the argument and what was expected.
 */

/** Base class of every error backprop throws on purpose. */
export class BackpropError extends Error {
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

/** An argument has the wrong type, an unknown name, or an impossible value. */
export class ArgumentError extends BackpropError {}

/** Data whose length or row width does not match the network or the other data. */
export class ShapeError extends ArgumentError {}

/** The network is already running a fit. */
export class BusyError extends BackpropError {}

/** The network was disposed. */
export class DisposedError extends BackpropError {}

/** The loss became NaN or infinite during training. */
export class DivergenceError extends BackpropError {
  constructor(
    message: string,
    /** 1-based epoch in which the loss stopped being finite. */
    readonly epoch: number,
    /** 1-based batch of that epoch. */
    readonly batch: number,
  ) {
    super(message);
  }
}

/** A model file or JSON document is malformed. */
export class FormatError extends BackpropError {}

/**
 * A file could not be read or written: missing, not a regular file, not
 * permitted, too large. The message names the path; `path` holds it and
 * `code` the system's error code (ENOENT, EACCES, …) or ENOTREG for a path
 * that is not a regular file.
 */
export class FileError extends BackpropError {
  constructor(
    message: string,
    readonly path: string,
    readonly code: string,
  ) {
    super(message);
  }
}

/** A network (or data) larger than the memory this process can have, or an allocation that failed. */
export class MemoryError extends BackpropError {}

/** The requested engine cannot be used here (for example, the native addon did not load). */
export class BackendError extends BackpropError {}
