// Errors of the Ashen client: one class per HTTP status the API answers, all of them AshenError.

/** An answer that was not a success, or a request that got no answer at all. */
export class AshenError extends Error {
  /**
   * @param {string} message
   * @param {{ status?: number, retryAfter?: number | null, body?: unknown, headers?: Headers, cause?: unknown }} [details]
   */
  constructor(message, details = {}) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.name = new.target.name;
    /** The HTTP status; 0 when no answer came (network error, timeout). */
    this.status = details.status ?? 0;
    /** Seconds the server asked to wait (its Retry-After header), or null. */
    this.retryAfter = details.retryAfter ?? null;
    /** The decoded answer (`{"error": "..."}` for every 4xx of the API), or null. */
    this.body = details.body ?? null;
    /** The answer's headers, or null. */
    this.headers = details.headers ?? null;
  }
}

/** 400: the request or the picture is bad (the message says why). */
export class BadRequest extends AshenError {}
/** 401: no key, or an unknown or revoked one, where the server requires a key. */
export class Unauthorized extends AshenError {}
/** 402: trace.moe's status for a spent quota (only to clients speaking trace.moe). */
export class PaymentRequired extends AshenError {}
/** 403: the key's role may not do this (management routes need `admin`), or a bad preview signature. */
export class Forbidden extends AshenError {}
/** 404: no such video or route. */
export class NotFound extends AshenError {}
/** 413: the body, or the image behind a URL, is over the limit. */
export class PayloadTooLarge extends AshenError {}
/** 415: a Content-Type or picture format the API does not read. */
export class UnsupportedMediaType extends AshenError {}
/** 429: over the quota or the rate; `retryAfter` says for how long. */
export class RateLimited extends AshenError {}
/** 5xx: the server failed or is overloaded (503 carries Retry-After). */
export class ServerError extends AshenError {}
/** No answer: the connection failed or was reset. */
export class NetworkError extends AshenError {}
/** No answer within `timeoutMs`. */
export class RequestTimeout extends AshenError {}
/** `waitIndexed`: the video's indexing failed (`error` holds the server's reason). */
export class IndexingFailed extends AshenError {}

/** @type {Record<number, typeof AshenError>} */
const BY_STATUS = {
  400: BadRequest,
  401: Unauthorized,
  402: PaymentRequired,
  403: Forbidden,
  404: NotFound,
  413: PayloadTooLarge,
  415: UnsupportedMediaType,
  429: RateLimited,
};

/**
 * The error class for an HTTP status.
 * @param {number} status
 * @returns {typeof AshenError}
 */
export function errorClassFor(status) {
  return BY_STATUS[status] ?? (status >= 500 ? ServerError : AshenError);
}

/**
 * Seconds from a Retry-After header (delta-seconds or an HTTP date), or null.
 * @param {string | null} value
 * @param {number} [now] milliseconds since the epoch
 * @returns {number | null}
 */
export function parseRetryAfter(value, now = Date.now()) {
  if (value === null || value.trim() === '') return null;
  if (/^\s*\d+(\.\d+)?\s*$/.test(value)) return Number(value);
  const at = Date.parse(value);
  return Number.isNaN(at) ? null : Math.max(0, (at - now) / 1000);
}

/**
 * The error for a response that is not ok, its body read.
 * @param {Response} response
 * @returns {Promise<AshenError>}
 */
export async function errorFromResponse(response) {
  const text = await response.text().catch(() => '');
  /** @type {unknown} */
  let body = text;
  try {
    body = JSON.parse(text);
  } catch {
    // not JSON: keep the text
  }
  const said = body && typeof body === 'object' && 'error' in body ? String(body.error) : text.slice(0, 200);
  const Class = errorClassFor(response.status);
  const message = `${response.status} ${response.statusText || ''}`.trim() + (said ? `: ${said}` : '');
  return new Class(message, {
    status: response.status,
    retryAfter: parseRetryAfter(response.headers.get('retry-after')),
    body,
    headers: response.headers,
  });
}
