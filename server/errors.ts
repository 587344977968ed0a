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

  constructor(code: ErrorCode, message: string, details?: unknown) {
    super(message);
    this.name = 'AppError';
    this.code = code;
    this.status = ERROR_CATALOGUE[code];
    this.details = details;
  }

  toJSON(): { error: { code: ErrorCode; message: string; details?: unknown } } {
    return {
      error: {
        code: this.code,
        message: this.message,
        ...(this.details !== undefined ? { details: this.details } : {}),
      },
    };
  }
}

export const isAppError = (e: unknown): e is AppError => e instanceof AppError;

export function rateLimited(message: string, retryAfterSec: number): AppError {
  const e = new AppError('RATE_LIMITED', message);
  e.retryAfterSec = Math.max(1, Math.ceil(retryAfterSec));
  return e;
}

export function notFound(what: string): AppError {
  return new AppError(
    'NOT_FOUND',
    `${what} was not found. Check the id or link, or go back to the home page.`,
  );
}
