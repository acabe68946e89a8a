// Every route of openapi.json (read now, so a new route grows this test) has an AshenClient method,
// and that method sends the route's method and path.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import test from 'node:test';

import { AshenClient, ROUTES } from '../src/index.js';

const spec = JSON.parse(readFileSync(new URL('../../../openapi.json', import.meta.url), 'utf8'));
const METHODS = ['get', 'post', 'put', 'patch', 'delete'];
const operations = Object.entries(spec.paths).flatMap(([path, item]) =>
  METHODS.filter((m) => item[m]).map((m) => ({ id: item[m].operationId, method: m.toUpperCase(), path })),
);

const BASE = 'http://api.test';
const SIGNED = `${BASE}/preview/v1/PART?t=1&exp=2&sig=abc`;

/** A call of each client method with sample arguments; a method missing here fails the test. */
const SAMPLES = {
  search: (c) => c.search(new Uint8Array([0xff, 0xd8, 0xff])),
  searchUrl: (c) => c.searchUrl('https://example.test/shot.jpg'),
  listVideos: (c) => c.listVideos(),
  video: (c) => c.video('v1'),
  updateVideo: (c) => c.updateVideo('v1', { title: 'Sintel' }),
  deleteVideo: (c) => c.deleteVideo('v1'),
  reindexVideo: (c) => c.reindexVideo('v1'),
  createUpload: (c) => c.createUpload({ filename: 'a.mp4', title: 'A', size: 3 }),
  me: (c) => c.me(),
  openapi: (c) => c.openapi(),
  webPage: (c) => c.webPage(),
  webAsset: (c) => c.webAsset('app.js'),
  apiDocs: (c) => c.apiDocs(),
  apiDocsAsset: (c) => c.apiDocsAsset('swagger-ui.css'),
  videoPreview: (c) => c.videoPreview(SIGNED.replace('PART', 'video.mp4')),
  imagePreview: (c) => c.imagePreview(SIGNED.replace('PART', 'image.jpg')),
};

/** The path template `/videos/{id}` as a pattern for concrete paths. */
const pattern = (path) => new RegExp(`^${path.replace(/\{\w+\}/g, '[^/]+').replace(/\./g, '\\.')}$`);

test('openapi.json has routes to check', () => {
  assert.ok(operations.length >= 16, `only ${operations.length} operations read`);
});

for (const op of operations) {
  test(`${op.method} ${op.path} (${op.id}) has a client method that sends it`, async () => {
    const route = ROUTES[op.id];
    assert.ok(route, `no entry in src/routes.js for operationId ${op.id}: add a method to AshenClient`);
    assert.deepEqual({ method: route.method, path: route.path }, { method: op.method, path: op.path });
    assert.equal(typeof AshenClient.prototype[route.call], 'function', `AshenClient has no method ${route.call}`);
    const sample = SAMPLES[route.call];
    assert.ok(sample, `no sample call of ${route.call} in this test`);
    const sent = [];
    const fetch = async (url, init) => {
      sent.push({ method: init.method, url: new URL(url) });
      return new Response('{}', { status: 200, headers: { 'content-type': 'application/json' } });
    };
    await sample(new AshenClient({ baseUrl: BASE, fetch }));
    assert.equal(sent.length, 1);
    assert.equal(sent[0].method, op.method);
    assert.match(sent[0].url.pathname, pattern(op.path));
  });
}

test('ROUTES names no operation openapi.json lacks', () => {
  const ids = new Set(operations.map((op) => op.id));
  assert.deepEqual(Object.keys(ROUTES).filter((id) => !ids.has(id)), []);
});
