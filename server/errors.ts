/**
 * The catalogue of typed errors. Every error a user can cause has a stable code,
 * an HTTP status and a message that says what was wrong and what to do.
 * System faults are anything that is not an AppError: they map to 500 and are logged.
 */

export const ERROR_CATALOGUE = {
  BAD_REQUEST: 400,
  VALIDATION_FAILED: 400,
  CSV_MALFORMED: 400,
  AUTH_REQUIRED: 401,
  AUTH_BAD_CREDENTIALS: 401,
  AUTH_TOKEN_INVALID: 401,
  AUTH_TOKEN_EXPIRED: 401,
  AUTH_SESSION_ENDED: 401,
  AUTH_ACCOUNT_DISABLED: 403,
  FORBIDDEN_ROLE: 403,
  FORBIDDEN_SCOPE: 403,
  NOT_FOUND: 404,
  CONFLICT: 409,
  PAYLOAD_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  RANGE_NOT_SATISFIABLE: 416,
  MESSAGE_BLOCKED: 422,
  RATE_LIMITED: 429,
  NOT_READY: 503,
  INTERNAL: 500,
} as const;

export type ErrorCode = keyof typeof ERROR_CATALOGUE;

export class AppError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly details?: unknown;
  /** Sent as Retry-After (seconds) with 429 and 503 answers. */
  retryAfterSec?: number;
  /** The message in Chinese, for children's screens (class room, presence). */
  readonly messageZh?: string;
  /** A short machine reason (the content filter's: link, ad, contact…). */
  readonly reason?: string;

  constructor(
    code: ErrorCode,
    message: string,
    details?: unknown,
    extra: { messageZh?: string; reason?: string } = {},
  ) {
    super(message);
    this.name = 'AppError';
    this.code = code;
    this.status = ERROR_CATALOGUE[code];
    this.details = details;
    this.messageZh = extra.messageZh;
    this.reason = extra.reason;
  }

  toJSON(): {
    error: {
      code: ErrorCode;
      message: string;
      messageZh?: string;
      details?: unknown;
      retryAfterSec?: number;
      reason?: string;
    };
  } {
    return {
      error: {
        code: this.code,
        message: this.message,
        ...(this.messageZh !== undefined ? { messageZh: this.messageZh } : {}),
        ...(this.details !== undefined ? { details: this.details } : {}),
        ...(this.retryAfterSec !== undefined ? { retryAfterSec: this.retryAfterSec } : {}),
        ...(this.reason !== undefined ? { reason: this.reason } : {}),
      },
    };
  }
}

export const isAppError = (e: unknown): e is AppError => e instanceof AppError;

export function rateLimited(message: string, retryAfterSec: number, messageZh?: string): AppError {
  const e = new AppError('RATE_LIMITED', message, undefined, { messageZh });
  e.retryAfterSec = Math.max(1, Math.ceil(retryAfterSec));
  return e;
}

export function notFound(what: string): AppError {
  return new AppError(
    'NOT_FOUND',
    `${what} was not found. Check the id or link, or go back to the home page.`,
  );
}
