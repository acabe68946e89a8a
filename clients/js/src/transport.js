// One request to the API: the key header, a timeout per attempt, and retries with jittered backoff
// honouring Retry-After on 429, 502, 503, 504 and network errors.

import { AshenError, NetworkError, RequestTimeout, errorFromResponse } from './errors.js';

/** Statuses worth another attempt: rate limited, a bad or overloaded gateway or server. */
export const RETRY_STATUSES = new Set([429, 502, 503, 504]);

/**
 * @typedef {object} TransportOptions
 * @property {string} baseUrl
 * @property {string | undefined} apiKey
 * @property {number} timeoutMs
 * @property {number} maxRetries
 * @property {number} retryBaseMs
 * @property {number} retryMaxMs
 * @property {number} maxRetryAfterMs
 * @property {typeof fetch} fetch
 * @property {(ms: number) => Promise<void>} sleep
 * @property {() => number} random
 */

/**
 * @typedef {object} RequestSpec
 * @property {string} method
 * @property {string} path the path after the base URL, or an absolute URL
 * @property {Record<string, string | number | boolean | undefined | null>} [query]
 * @property {BodyInit} [body]
 * @property {Record<string, string>} [headers]
 * @property {AbortSignal} [signal]
 * @property {boolean} [idempotent] false: only a 429 (refused before any work) is retried
 */

/**
 * The milliseconds to wait before attempt `attempt + 1`: full jitter up to an exponential cap,
 * or the server's Retry-After plus a little jitter (so waiting clients do not return at once).
 * @param {number} attempt 0 for the first retry
 * @param {number | null} retryAfter seconds, from the answer
 * @param {Pick<TransportOptions, 'retryBaseMs' | 'retryMaxMs' | 'random'>} options
 */
export function backoffMs(attempt, retryAfter, options) {
  const cap = Math.min(options.retryMaxMs, options.retryBaseMs * 2 ** attempt);
  if (retryAfter !== null) return retryAfter * 1000 + options.random() * options.retryBaseMs;
  return options.random() * cap;
}

/**
 * A signal that aborts when `outer` does or after `ms`; `timedOut()` tells which.
 * @param {AbortSignal | undefined} outer
 * @param {number} ms
 */
function attemptSignal(outer, ms) {
  const controller = new AbortController();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    controller.abort(new RequestTimeout(`no answer within ${ms} ms`));
  }, ms);
  const onAbort = () => controller.abort(outer?.reason);
  if (outer?.aborted) onAbort();
  else outer?.addEventListener('abort', onAbort, { once: true });
  return {
    signal: controller.signal,
    timedOut: () => timedOut,
    done: () => {
      clearTimeout(timer);
      outer?.removeEventListener('abort', onAbort);
    },
  };
}

/**
 * The full URL of a request.
 * @param {string} baseUrl
 * @param {RequestSpec} spec
 */
export function urlOf(baseUrl, spec) {
  const url = /^https?:\/\//i.test(spec.path) ? new URL(spec.path) : new URL(baseUrl.replace(/\/+$/, '') + spec.path);
  for (const [name, value] of Object.entries(spec.query ?? {})) {
    if (value !== undefined && value !== null) url.searchParams.set(name, String(value));
  }
  return url;
}

/**
 * One attempt: the response, or the AshenError of a request that got none.
 * @param {TransportOptions} options
 * @param {URL} url
 * @param {RequestSpec} spec
 * @returns {Promise<Response>}
 */
async function attempt(options, url, spec) {
  const headers = { ...(spec.headers ?? {}) };
  if (options.apiKey) headers['x-api-key'] = options.apiKey;
  const timer = attemptSignal(spec.signal, options.timeoutMs);
  try {
    return await options.fetch(url, { method: spec.method, headers, body: spec.body, signal: timer.signal });
  } catch (err) {
    if (timer.timedOut()) throw new RequestTimeout(`${spec.method} ${url.pathname}: no answer within ${options.timeoutMs} ms`);
    if (spec.signal?.aborted) throw err; // the caller's own abort: not ours to retry or rename
    const why = err instanceof Error ? err.message : String(err);
    throw new NetworkError(`${spec.method} ${url.pathname}: ${why}`, { cause: err });
  } finally {
    timer.done();
  }
}

/**
 * Send `spec`, retrying as the options allow; the successful response, or the last error.
 * @param {TransportOptions} options
 * @param {RequestSpec} spec
 * @returns {Promise<Response>}
 */
export async function send(options, spec) {
  const url = urlOf(options.baseUrl, spec);
  const idempotent = spec.idempotent ?? true;
  for (let tries = 0; ; tries += 1) {
    /** @type {AshenError} */
    let error;
    try {
      const response = await attempt(options, url, spec);
      if (response.ok || (response.status >= 300 && response.status < 400)) return response;
      error = await errorFromResponse(response);
    } catch (err) {
      if (!(err instanceof NetworkError || err instanceof RequestTimeout)) throw err;
      error = err;
    }
    const retriable = error.status === 429 || (idempotent && (error.status === 0 || RETRY_STATUSES.has(error.status)));
    const tooLong = error.retryAfter !== null && error.retryAfter * 1000 > options.maxRetryAfterMs;
    if (!retriable || tooLong || tries >= options.maxRetries) throw error;
    await options.sleep(backoffMs(tries, error.retryAfter, options));
  }
}

export { AshenError };
