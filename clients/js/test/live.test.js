// The client against a real `ashen serve` over HTTP (tests/clients/test_js_client.py starts one on
// 127.0.0.1 with the vendored Sintel clip indexed, keys required, and sets these variables):
//   ASHEN_API_URL          the server
//   ASHEN_API_KEY          a `search` key; ASHEN_ADMIN_KEY an `admin` key
//   ASHEN_SAMPLE_IMAGE     a frame of the clip at ASHEN_SAMPLE_AT seconds (PNG)
//   ASHEN_SAMPLE_SIGNATURE its signature (hex), ASHEN_SAMPLE_CLIP the clip itself (uploaded)
// Without ASHEN_API_URL these tests are skipped.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { describe, test } from 'node:test';

import { AshenClient, BadRequest, Forbidden, NotFound, Unauthorized } from '../src/index.js';

const env = process.env;
const skip = env.ASHEN_API_URL ? false : 'ASHEN_API_URL is not set (tests/clients/test_js_client.py sets it)';
const FRAME_S = 0.1; // a one-frame scene may sit a frame past the seek

/** The first match is the clip's scene around the sample's time. */
function assertFound(answer) {
  const at = Number(env.ASHEN_SAMPLE_AT);
  const [first] = answer.result;
  assert.ok(first, `no match: ${JSON.stringify(answer)}`);
  assert.equal(first.filename, basename(env.ASHEN_SAMPLE_CLIP ?? ''));
  assert.ok(first.from - FRAME_S <= at && at <= first.to + FRAME_S, `${first.from}..${first.to} misses ${at}`);
  assert.equal(first.confident, true);
  return first;
}

describe('against ashen serve', { skip }, () => {
  const client = new AshenClient({ timeoutMs: 60_000 }); // ASHEN_API_URL, ASHEN_API_KEY
  const admin = new AshenClient({ apiKey: env.ASHEN_ADMIN_KEY, timeoutMs: 60_000 });

  test('the README three lines: a file path finds its scene', async () => {
    const found = assertFound(await client.search(env.ASHEN_SAMPLE_IMAGE));
    assert.equal(found.title, 'Sintel');
  });

  test('a Blob, a Uint8Array and an ArrayBuffer find it too', async () => {
    const bytes = readFileSync(env.ASHEN_SAMPLE_IMAGE);
    assertFound(await client.search(new Blob([bytes], { type: 'image/png' })));
    assertFound(await client.search(new Uint8Array(bytes)));
    assertFound(await client.search(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength)));
  });

  test('a signature hashed elsewhere finds it', async () => {
    assertFound(await client.searchSignature(env.ASHEN_SAMPLE_SIGNATURE, { limit: 3 }));
  });

  test('options reach the server: a title filter that matches nothing answers nothing', async () => {
    const answer = await client.search(env.ASHEN_SAMPLE_IMAGE, { title: 'no such title' });
    assert.deepEqual(answer.result, []);
  });

  test('the previews of a match are a JPEG still and an MP4 clip', async () => {
    const found = assertFound(await client.search(env.ASHEN_SAMPLE_IMAGE));
    const still = await client.imagePreview(found.image, { size: 's' });
    assert.deepEqual([...new Uint8Array(await still.arrayBuffer()).slice(0, 3)], [0xff, 0xd8, 0xff]);
    const clip = await client.videoPreview(found.video, { size: 's', mute: true });
    assert.equal(new TextDecoder().decode(new Uint8Array(await clip.arrayBuffer()).slice(4, 8)), 'ftyp');
  });

  test('the library: videos() yields the clip, video() and waitIndexed() read it', async () => {
    const listed = [];
    for await (const video of client.videos({ pageSize: 1 })) listed.push(video);
    const clip = listed.find((v) => v.filename === basename(env.ASHEN_SAMPLE_CLIP));
    assert.ok(clip, JSON.stringify(listed));
    assert.equal((await client.video(clip.id)).status, 'indexed');
    assert.equal((await client.waitIndexed(clip.id, { timeoutMs: 1000 })).id, clip.id);
  });

  test('me() names the key; openapi() is the API document; the page and the docs are served', async () => {
    const me = await client.me();
    assert.equal(me.role, 'search');
    const doc = await client.openapi();
    const repo = JSON.parse(readFileSync(new URL('../../../openapi.json', import.meta.url), 'utf8'));
    assert.deepEqual(Object.keys(doc.paths).sort(), Object.keys(repo.paths).sort());
    assert.match(await client.webPage(), /<html/i);
    assert.ok((await client.webAsset('app.js')).length > 0);
    assert.match(await client.apiDocs(), /swagger/i);
    assert.ok((await client.apiDocsAsset('swagger-ui.css')).length > 0);
  });

  test('errors by status: 401 without a key, 403 for a search key on a management route, 404, 400', async () => {
    await assert.rejects(new AshenClient({ apiKey: '' }).search(env.ASHEN_SAMPLE_IMAGE), Unauthorized);
    await assert.rejects(client.reindexVideo('whatever'), Forbidden);
    await assert.rejects(client.video('no-such-video'), NotFound);
    await assert.rejects(client.search(new TextEncoder().encode('not a picture')), (err) => {
      assert.ok(err instanceof BadRequest || err.status === 415, `${err.name} ${err.status}`);
      assert.match(err.message, /^4\d\d/);
      return true;
    });
  });

  test('admin: upload a video, wait for it, rename it, reindex it, delete it', { timeout: 300_000 }, async () => {
    const { videoId } = await admin.uploadVideo(env.ASHEN_SAMPLE_CLIP, { title: 'Uploaded', episode: '2', filename: 'uploaded.mp4' });
    const indexed = await admin.waitIndexed(videoId, { timeoutMs: 240_000, intervalMs: 500 });
    assert.ok(indexed.scenes > 0);
    const renamed = await admin.updateVideo(videoId, { title: 'Renamed', anilist: 21 });
    assert.deepEqual([renamed.title, renamed.anilist], ['Renamed', 21]);
    const hits = await client.search(env.ASHEN_SAMPLE_IMAGE, { anilistId: 21 });
    assert.ok(hits.result.some((m) => m.videoId === videoId), 'the renamed video answers a search filtered on its id');
    const again = await admin.reindexVideo(videoId);
    assert.equal(again.id ?? videoId, videoId);
    await admin.waitIndexed(videoId, { timeoutMs: 240_000, intervalMs: 500 });
    await admin.deleteVideo(videoId);
    await assert.rejects(admin.video(videoId), NotFound);
  });
});
