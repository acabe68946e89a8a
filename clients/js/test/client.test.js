// What each method sends (inputs, options, keys) and how the helpers (videos, waitIndexed,
// uploadVideo) walk the API, with a recording fetch.
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import test from 'node:test';

import { AshenClient, IndexingFailed, NotFound, RequestTimeout } from '../src/index.js';

const json = (doc, status = 200) =>
  new Response(JSON.stringify(doc), { status, headers: { 'content-type': 'application/json' } });

/** A client whose fetch calls `answer(request)` and records each request (URL, method, headers, body bytes). */
function recording(answer, options = {}) {
  const sent = [];
  const fetch = async (url, init) => {
    const body = init.body === undefined ? null : init.body;
    const request = { url: new URL(url), method: init.method, headers: init.headers, body };
    sent.push(request);
    return answer(request);
  };
  return { client: new AshenClient({ baseUrl: 'http://api.test', fetch, sleep: async () => {}, ...options }), sent };
}

const bytesOf = async (body) => new Uint8Array(await new Response(body).arrayBuffer());
const JPEG = new Uint8Array([0xff, 0xd8, 0xff, 0xe0, 1, 2, 3]);

test('search sends the bytes of a Uint8Array, an ArrayBuffer, a Blob, a file path and a file: URL', async () => {
  const folder = mkdtempSync(join(tmpdir(), 'ashen-js-'));
  const file = join(folder, 'shot.jpg');
  writeFileSync(file, JPEG);
  const inputs = [JPEG, JPEG.buffer.slice(0), new Blob([JPEG], { type: 'image/jpeg' }), file, pathToFileURL(file)];
  const { client, sent } = recording(() => json({ frameCount: 0, error: '', result: [] }));
  for (const input of inputs) await client.search(input);
  assert.equal(sent.length, inputs.length);
  for (const request of sent) {
    assert.equal(request.method, 'POST');
    assert.equal(request.url.pathname, '/search');
    assert.deepEqual(await bytesOf(request.body), JPEG);
  }
  assert.equal(sent[2].headers['content-type'], 'image/jpeg'); // a Blob's own type
  assert.equal(sent[0].headers['content-type'], 'application/octet-stream'); // the server tells by the bytes
});

test('search of an http(s) URL asks the server to fetch it (GET /search?url=)', async () => {
  const { client, sent } = recording(() => json({ result: [] }));
  await client.search('https://images.test/a shot.jpg', { limit: 3 });
  await client.search(new URL('http://images.test/b.png'));
  assert.deepEqual(
    sent.map((r) => [r.method, r.url.pathname, r.url.searchParams.get('url'), r.body]),
    [
      ['GET', '/search', 'https://images.test/a shot.jpg', null],
      ['GET', '/search', 'http://images.test/b.png', null],
    ],
  );
  assert.equal(sent[0].url.searchParams.get('limit'), '3');
});

test('search options become the API query parameters', async () => {
  const { client, sent } = recording(() => json({ result: [] }));
  const options = { title: 'Sintel', anilistId: 21, limit: 5, cutBorders: false, mirror: true, uncrop: false, tones: true, anilistInfo: true };
  await client.search(JPEG, options);
  assert.deepEqual(Object.fromEntries(sent[0].url.searchParams), {
    title: 'Sintel',
    anilistID: '21',
    limit: '5',
    cutBorders: '0',
    mirror: '1',
    uncrop: '0',
    tones: '1',
    anilistInfo: '1',
  });
  await client.search(JPEG);
  assert.equal(sent[1].url.search, '', 'no option: no parameter (the server defaults apply)');
});

test('searchSignature posts the hex form as JSON', async () => {
  const { client, sent } = recording(() => json({ result: [] }));
  const hex = 'ab'.repeat(21);
  await client.searchSignature(hex, { limit: 2 });
  assert.equal(sent[0].headers['content-type'], 'application/json');
  assert.deepEqual(JSON.parse(sent[0].body), { signature: hex });
  assert.equal(sent[0].url.searchParams.get('limit'), '2');
});

test('a bad input is a TypeError before any request', async () => {
  const { client, sent } = recording(() => json({}));
  await assert.rejects(client.search(/** @type {any} */ (42)), TypeError);
  assert.equal(sent.length, 0);
});

test('the key goes as x-api-key; none without one', async () => {
  const keyed = recording(() => json({}), { apiKey: 'k-123' });
  await keyed.client.me();
  assert.equal(keyed.sent[0].headers['x-api-key'], 'k-123');
  const saved = process.env.ASHEN_API_KEY;
  delete process.env.ASHEN_API_KEY;
  try {
    const anonymous = recording(() => json({}));
    await anonymous.client.me();
    assert.equal(anonymous.sent[0].headers['x-api-key'], undefined);
    process.env.ASHEN_API_KEY = 'from-env';
    const fromEnv = recording(() => json({}));
    await fromEnv.client.me();
    assert.equal(fromEnv.sent[0].headers['x-api-key'], 'from-env');
  } finally {
    if (saved === undefined) delete process.env.ASHEN_API_KEY;
    else process.env.ASHEN_API_KEY = saved;
  }
});

test('baseUrl defaults to $ASHEN_API_URL; without either the constructor says what to do', () => {
  const saved = process.env.ASHEN_API_URL;
  try {
    process.env.ASHEN_API_URL = 'http://127.0.0.1:9';
    assert.equal(new AshenClient().baseUrl, 'http://127.0.0.1:9');
    delete process.env.ASHEN_API_URL;
    assert.throws(() => new AshenClient(), /baseUrl/);
  } finally {
    if (saved === undefined) delete process.env.ASHEN_API_URL;
    else process.env.ASHEN_API_URL = saved;
  }
});

test('videos() walks every page through the cursor', async () => {
  const pages = {
    '': { videos: [{ id: 'a' }, { id: 'b' }], cursor: 'c1' },
    c1: { videos: [{ id: 'c' }], cursor: 'c2' },
    c2: { videos: [], cursor: null },
  };
  const { client, sent } = recording((r) => json(pages[r.url.searchParams.get('cursor') ?? '']));
  const ids = [];
  for await (const video of client.videos({ pageSize: 2, status: 'indexed' })) ids.push(video.id);
  assert.deepEqual(ids, ['a', 'b', 'c']);
  assert.equal(sent.length, 3);
  assert.deepEqual([sent[0].url.searchParams.get('limit'), sent[0].url.searchParams.get('status')], ['2', 'indexed']);
});

test('waitIndexed polls until indexed; a failure is IndexingFailed; past its time RequestTimeout', async () => {
  const states = ['missing', 'indexing', 'indexing', 'indexed']; // missing: 404, not yet known (AWS, before S3's event)
  const polled = recording(() => {
    const status = states.shift() ?? 'indexed';
    return status === 'missing' ? json({ error: 'no video v1' }, 404) : json({ id: 'v1', status });
  });
  assert.equal((await polled.client.waitIndexed('v1', { intervalMs: 1 })).status, 'indexed');
  assert.equal(polled.sent.length, 4);
  const gone = recording(() => json({ error: 'no video v1' }, 404), { sleep: (ms) => new Promise((r) => setTimeout(r, ms)) });
  await assert.rejects(gone.client.waitIndexed('v1', { timeoutMs: 30, intervalMs: 5 }), NotFound);
  const failing = recording(() => json({ id: 'v1', status: 'failed', error: 'not a video' }));
  await assert.rejects(failing.client.waitIndexed('v1'), (err) => err instanceof IndexingFailed && /not a video/.test(err.message));
  const stuck = recording(() => json({ id: 'v1', status: 'indexing' }), { sleep: (ms) => new Promise((r) => setTimeout(r, ms)) });
  await assert.rejects(stuck.client.waitIndexed('v1', { timeoutMs: 30, intervalMs: 5 }), RequestTimeout);
});

test('uploadVideo: the raw body to a local upload URL (no key), the form with S3 fields to S3', async () => {
  const video = new Uint8Array([0, 0, 0, 24, 0x66, 0x74, 0x79, 0x70]);
  const local = recording(
    (r) =>
      r.url.pathname === '/uploads'
        ? json({ videoId: 'v9', upload: { url: 'http://api.test/uploads/tok', fields: {}, method: 'POST' }, expires: 1 }, 201)
        : json({ videoId: 'v9', status: 'indexing' }, 201),
    { apiKey: 'admin-key' },
  );
  assert.deepEqual(await local.client.uploadVideo(video, { filename: 'ep1.mp4', title: 'Show', episode: '1' }), { videoId: 'v9' });
  assert.deepEqual(JSON.parse(local.sent[0].body), { filename: 'ep1.mp4', title: 'Show', episode: '1', size: 8 });
  assert.equal(local.sent[0].headers['x-api-key'], 'admin-key');
  assert.equal(local.sent[1].url.pathname, '/uploads/tok');
  assert.equal(local.sent[1].headers['x-api-key'], undefined);
  assert.deepEqual(await bytesOf(local.sent[1].body), video);

  const s3 = recording((r) =>
    r.url.pathname === '/uploads'
      ? json({ videoId: 'v8', upload: { url: 'https://bucket.s3.test/', fields: { key: 'videos/x', policy: 'p' }, method: 'POST' }, expires: 1 }, 201)
      : new Response(null, { status: 204 }),
  );
  const File = globalThis.File ?? (await import('node:buffer')).File; // global from Node 20
  await s3.client.uploadVideo(new File([video], 'ep2.mkv'), { title: 'Show' });
  assert.equal(JSON.parse(s3.sent[0].body).filename, 'ep2.mkv');
  const form = s3.sent[1].body;
  assert.ok(form instanceof FormData);
  assert.deepEqual([...form.keys()], ['key', 'policy', 'file'], 'S3 wants the fields before the file');
  assert.deepEqual(await bytesOf(form.get('file')), video);
});
