/**
 * Errors of the HTTP layer: every answer that is not a success is
 * `{"error": {"code": "…", "message": "…"}}` with the status that fits (SPEC-BEYOND §13.1).
 */
import { DsariError } from '../errors.js';

export class HttpError extends DsariError {
  constructor(
    readonly status: number,
    code: string,
    message: string,
    readonly headers: Readonly<Record<string, string>> = {},
    options: { cause?: unknown } = {},
  ) {
    super(code, message, options);
  }
}

export const notFound = (what: string): HttpError => new HttpError(404, 'not_found', what);
export const badRequest = (message: string): HttpError => new HttpError(400, 'bad_request', message);

/** The body of an error answer. */
export function errorBody(code: string, message: string): { error: { code: string; message: string } } {
  return { error: { code, message } };
}
