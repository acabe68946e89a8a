// Retries, backoff, Retry-After, timeouts and the error for every status, with a scripted fetch.
import assert from 'node:assert/strict';
import test from 'node:test';

import {
  AshenClient,
  AshenError,
  BadRequest,
  Forbidden,
  NetworkError,
  NotFound,
  PayloadTooLarge,
  PaymentRequired,
  RateLimited,
  RequestTimeout,
  ServerError,
  Unauthorized,
  UnsupportedMediaType,
} from '../src/index.js';
import { backoffMs } from '../src/transport.js';
import { parseRetryAfter } from '../src/errors.js';

const json = (status, doc, headers = {}) =>
  new Response(JSON.stringify(doc), { status, headers: { 'content-type': 'application/json', ...headers } });

/** A client whose fetch answers from `script` (a Response, or an Error to throw) and records waits. */
function scripted(script, options = {}) {
  const calls = [];
  const waits = [];
  const fetch = async (url, init) => {
    calls.push({ url: String(url), init });
    const next = script[Math.min(calls.length - 1, script.length - 1)];
    if (typeof next === 'function') return next(init);
    if (next instanceof Error) throw next;
    return next.clone();
  };
  const sleep = async (ms) => void waits.push(ms);
  const client = new AshenClient({ baseUrl: 'http://api.test/', fetch, sleep, ...options });
  return { client, calls, waits };
}

/** A fetch that answers nothing until its signal aborts (as fetch does, at once if it already has). */
const hang = (init) =>
  new Promise((_, reject) => {
    if (init.signal.aborted) reject(init.signal.reason);
    init.signal.addEventListener('abort', () => reject(init.signal.reason));
  });

const OK = json(200, { frameCount: 1, error: '', result: [] });

for (const status of [429, 502, 503, 504]) {
  test(`${status} is retried, then the answer comes back`, async () => {
    const { client, calls } = scripted([json(status, { error: 'busy' }), OK]);
    assert.deepEqual((await client.me()).result, []);
    assert.equal(calls.length, 2);
  });
}

test('a network error is retried; after maxRetries the NetworkError is thrown', async () => {
  const { client, calls, waits } = scripted([new TypeError('fetch failed')], { maxRetries: 2 });
  await assert.rejects(client.video('v1'), (err) => err instanceof NetworkError && err.status === 0);
  assert.equal(calls.length, 3);
  assert.equal(waits.length, 2);
});

test('Retry-After is honoured: the wait is at least its seconds', async () => {
  const { client, waits } = scripted([json(429, { error: 'rate' }, { 'retry-after': '7' }), OK]);
  await client.me();
  assert.equal(waits.length, 1);
  assert.ok(waits[0] >= 7000 && waits[0] < 7000 + 500, `waited ${waits[0]} ms`);
});

test('a Retry-After past maxRetryAfterMs is not waited for: RateLimited at once, with retryAfter', async () => {
  const { client, calls } = scripted([json(429, { error: 'quota spent' }, { 'retry-after': '3600' })]);
  await assert.rejects(client.search(new Uint8Array([1])), (err) => {
    assert.ok(err instanceof RateLimited && err instanceof AshenError);
    assert.equal(err.status, 429);
    assert.equal(err.retryAfter, 3600);
    assert.match(err.message, /quota spent/);
    return true;
  });
  assert.equal(calls.length, 1);
});

test('backoff is jittered below an exponential cap', () => {
  const options = { retryBaseMs: 500, retryMaxMs: 8000 };
  assert.equal(backoffMs(3, null, { ...options, random: () => 0.999999 }) < 4000, true);
  assert.equal(backoffMs(3, null, { ...options, random: () => 0.5 }), 2000);
  assert.equal(backoffMs(10, null, { ...options, random: () => 0.5 }), 4000); // capped at retryMaxMs
  assert.equal(backoffMs(0, null, { ...options, random: () => 0 }), 0);
  const { client, waits } = scripted([json(503, {}), json(503, {}), json(503, {}), OK]);
  return client.me().then(() => {
    assert.equal(waits.length, 3);
    waits.forEach((wait, i) => assert.ok(wait >= 0 && wait < 500 * 2 ** i, `wait ${i}: ${wait} ms`));
  });
});

test('500 and 4xx other than 429 are not retried', async () => {
  for (const [status, Class] of [
    [500, ServerError],
    [400, BadRequest],
    [404, NotFound],
  ]) {
    const { client, calls } = scripted([json(status, { error: `said ${status}` })]);
    await assert.rejects(client.video('v1'), Class);
    assert.equal(calls.length, 1, `${status} retried`);
  }
});

test('a request that is not idempotent (upload, reindex) is retried on 429 only', async () => {
  const refused = scripted([json(503, { error: 'busy' }), json(201, {})]);
  await assert.rejects(refused.client.reindexVideo('v1'), ServerError);
  assert.equal(refused.calls.length, 1);
  const limited = scripted([json(429, { error: 'rate' }), json(202, { id: 'v1' })]);
  assert.deepEqual(await limited.client.reindexVideo('v1'), { id: 'v1' });
  assert.equal(limited.calls.length, 2);
});

test('every status maps to its error class, with the server message', async () => {
  const table = [
    [400, BadRequest],
    [401, Unauthorized],
    [402, PaymentRequired],
    [403, Forbidden],
    [404, NotFound],
    [413, PayloadTooLarge],
    [415, UnsupportedMediaType],
    [429, RateLimited],
    [500, ServerError],
    [418, AshenError],
  ];
  for (const [status, Class] of table) {
    const { client } = scripted([json(status, { error: `reason ${status}` })], { maxRetries: 0 });
    await assert.rejects(client.me(), (err) => {
      assert.equal(err.constructor, Class, `${status} gave ${err.constructor.name}`);
      assert.equal(err.status, status);
      assert.equal(err.name, Class.name);
      assert.deepEqual(err.body, { error: `reason ${status}` });
      assert.match(err.message, new RegExp(`^${status}.*reason ${status}$`));
      return true;
    });
  }
});

test('a body that is not JSON still makes an error, with its text', async () => {
  const { client } = scripted([new Response('<html>bad gateway</html>', { status: 502 })], { maxRetries: 0 });
  await assert.rejects(client.me(), (err) => err instanceof ServerError && /bad gateway/.test(err.message));
});

test('an attempt past timeoutMs is a RequestTimeout, retried like a network error', async () => {
  const { client, calls } = scripted([hang, hang, OK], { timeoutMs: 20 });
  assert.deepEqual((await client.me()).result, []);
  assert.equal(calls.length, 3);
  const never = scripted([hang], { timeoutMs: 20, maxRetries: 1 });
  await assert.rejects(never.client.me(), (err) => err instanceof RequestTimeout && err.status === 0);
});

test("the caller's abort is not retried and keeps its own reason", async () => {
  const controller = new AbortController();
  const { client, calls } = scripted([hang]);
  const pending = client.search(new Uint8Array([1]), { signal: controller.signal });
  controller.abort(new Error('user gave up'));
  await assert.rejects(pending, /user gave up/);
  assert.equal(calls.length, 1);
});

test('Retry-After as an HTTP date', () => {
  const now = Date.parse('2026-01-01T00:00:00Z');
  assert.equal(parseRetryAfter('Thu, 01 Jan 2026 00:00:30 GMT', now), 30);
  assert.equal(parseRetryAfter('12', now), 12);
  assert.equal(parseRetryAfter(null, now), null);
  assert.equal(parseRetryAfter('soon', now), null);
});
