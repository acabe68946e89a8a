// AshenClient: a method for every route of the Ashen API (src/routes.js lists them).

import { IndexingFailed, NotFound, RequestTimeout } from './errors.js';
import { send } from './transport.js';

/** @typedef {import('./index.js').AshenClientApi} AshenClientApi */

const env = /** @type {Record<string, string | undefined>} */ (globalThis.process?.env ?? {});

/** @param {unknown} flag */
const onOff = (flag) => (flag === undefined ? undefined : flag ? '1' : '0');

/**
 * The query string of a search: the API's names for the options.
 * @param {import('./index.js').SearchOptions} options
 */
function searchQuery(options) {
  return {
    title: options.title,
    anilistID: options.anilistId,
    limit: options.limit,
    cutBorders: onOff(options.cutBorders),
    mirror: onOff(options.mirror),
    uncrop: onOff(options.uncrop),
    tones: onOff(options.tones),
    anilistInfo: options.anilistInfo ? '1' : undefined,
  };
}

/** @param {unknown} value */
const isUrl = (value) => (value instanceof URL || typeof value === 'string') && /^https?:\/\//i.test(String(value));

/**
 * The bytes of an input and their Content-Type. A string or file: URL is a file path (Node only):
 * read as a file-backed Blob where Node has one (18.x reads it into memory).
 * @param {Blob | ArrayBuffer | ArrayBufferView | URL | string} input
 * @returns {Promise<{ body: Blob, type: string }>}
 */
async function bytesOf(input) {
  const octets = 'application/octet-stream';
  if (typeof Blob !== 'undefined' && input instanceof Blob) return { body: input, type: input.type || octets };
  if (input instanceof ArrayBuffer || ArrayBuffer.isView(input)) {
    return { body: new Blob([/** @type {ArrayBuffer | ArrayBufferView<ArrayBuffer>} */ (input)]), type: octets };
  }
  if (typeof input === 'string' || input instanceof URL) {
    // Node only (a browser passes a Blob or File); bundlers are told to leave the import alone.
    const fs = await import(/* webpackIgnore: true */ /* @vite-ignore */ 'node:fs');
    const body = fs.openAsBlob ? await fs.openAsBlob(input) : new Blob([await fs.promises.readFile(input)]);
    return { body, type: octets };
  }
  throw new TypeError('give a Blob, File, ArrayBuffer, Uint8Array, an http(s) URL or a file path');
}

/**
 * The file name of an upload: `given`, a File's name, or a path's last part.
 * @param {unknown} input
 * @param {string | undefined} given
 */
function filenameOf(input, given) {
  if (given) return given;
  if (input instanceof Blob && 'name' in input && typeof input.name === 'string' && input.name) return input.name; // a File
  if (input instanceof URL) input = decodeURIComponent(input.pathname);
  if (typeof input === 'string') return input.split(/[\\/]/).pop() || undefined;
  return undefined;
}

/** @param {string} path @param {Record<string, string>} values */
const fill = (path, values) => path.replace(/\{(\w+)\}/g, (_, name) => encodeURIComponent(values[name]));

/** @implements {AshenClientApi} */
export class AshenClient {
  /**
   * @param {import('./index.js').ClientOptions} [options]
   */
  constructor(options = {}) {
    const baseUrl = options.baseUrl ?? env.ASHEN_API_URL;
    if (!baseUrl) throw new TypeError('AshenClient: give baseUrl (or set ASHEN_API_URL), e.g. http://127.0.0.1:8000');
    const fetcher = options.fetch ?? globalThis.fetch;
    if (typeof fetcher !== 'function') throw new TypeError('AshenClient: no fetch here: pass options.fetch');
    /** @type {import('./transport.js').TransportOptions} */
    this.transport = {
      baseUrl,
      apiKey: options.apiKey ?? env.ASHEN_API_KEY,
      timeoutMs: options.timeoutMs ?? 30_000,
      maxRetries: options.maxRetries ?? 3,
      retryBaseMs: options.retryBaseMs ?? 500,
      retryMaxMs: options.retryMaxMs ?? 8_000,
      maxRetryAfterMs: options.maxRetryAfterMs ?? 60_000,
      fetch: (input, init) => fetcher(input, init), // called unbound: window.fetch refuses another `this`
      sleep: options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms))),
      random: Math.random,
    };
  }

  /** The base URL requests go to. */
  get baseUrl() {
    return this.transport.baseUrl;
  }

  /**
   * @param {import('./transport.js').RequestSpec} spec
   * @returns {Promise<any>}
   */
  async json(spec) {
    const response = await send(this.transport, { ...spec, headers: { accept: 'application/json', ...spec.headers } });
    return response.json();
  }

  /** @param {import('./transport.js').RequestSpec} spec */
  async text(spec) {
    return (await send(this.transport, spec)).text();
  }

  /** @param {import('./transport.js').RequestSpec} spec */
  async blob(spec) {
    return (await send(this.transport, spec)).blob();
  }

  /**
   * Search a screenshot, GIF or video clip: its bytes (Blob, File, ArrayBuffer, Uint8Array), an
   * http(s) URL the server fetches, or (in Node) a file path or file: URL.
   * @param {Blob | ArrayBuffer | ArrayBufferView | URL | string} input
   * @param {import('./index.js').SearchOptions} [options]
   */
  async search(input, options = {}) {
    if (isUrl(input)) return this.searchUrl(String(input), options);
    const { body, type } = await bytesOf(input);
    const headers = { 'content-type': options.contentType ?? type };
    return this.json({ method: 'POST', path: '/search', query: searchQuery(options), body, headers, signal: options.signal });
  }

  /**
   * Search the image at `url` (the server fetches it).
   * @param {string | URL} url
   * @param {import('./index.js').SearchOptions} [options]
   */
  async searchUrl(url, options = {}) {
    const query = { url: String(url), ...searchQuery(options) };
    return this.json({ method: 'GET', path: '/search', query, signal: options.signal });
  }

  /**
   * Search a Color Layout signature hashed elsewhere (42 hex digits, `ashen signature`).
   * @param {string} hex
   * @param {import('./index.js').SearchOptions} [options]
   */
  async searchSignature(hex, options = {}) {
    const body = JSON.stringify({ signature: hex });
    const headers = { 'content-type': 'application/json' };
    return this.json({ method: 'POST', path: '/search', query: searchQuery(options), body, headers, signal: options.signal });
  }

  /**
   * One page of the library (`cursor` from the previous page; null on the last).
   * @param {{ limit?: number, cursor?: string | null, status?: 'indexing' | 'indexed' | 'failed', signal?: AbortSignal }} [options]
   */
  async listVideos(options = {}) {
    const query = { limit: options.limit, cursor: options.cursor, status: options.status };
    return this.json({ method: 'GET', path: '/videos', query, signal: options.signal });
  }

  /**
   * Every video of the library, fetching pages as the loop goes on.
   * @param {{ pageSize?: number, status?: 'indexing' | 'indexed' | 'failed', signal?: AbortSignal }} [options]
   */
  async *videos(options = {}) {
    /** @type {string | null | undefined} */
    let cursor;
    do {
      const page = await this.listVideos({ limit: options.pageSize, cursor, status: options.status, signal: options.signal });
      yield* page.videos;
      cursor = page.cursor;
    } while (cursor);
  }

  /**
   * One video: its status and indexing progress.
   * @param {string} id
   * @param {{ signal?: AbortSignal }} [options]
   */
  async video(id, options = {}) {
    return this.json({ method: 'GET', path: fill('/videos/{id}', { id }), signal: options.signal });
  }

  /**
   * Poll a video until it is indexed; IndexingFailed if its indexing failed, RequestTimeout past
   * `timeoutMs`. A 404 counts as not yet: on AWS an uploaded video appears once S3's event is read.
   * @param {string} id
   * @param {{ timeoutMs?: number, intervalMs?: number, signal?: AbortSignal }} [options]
   */
  async waitIndexed(id, options = {}) {
    const timeoutMs = options.timeoutMs ?? 600_000;
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const video = await this.video(id, options).catch((err) => {
        if (err instanceof NotFound && Date.now() < deadline) return { id, status: 'unknown' };
        throw err;
      });
      if (video.status === 'indexed') return video;
      if (video.status === 'failed') {
        throw new IndexingFailed(`video ${id} failed to index: ${video.error ?? 'no reason given'}`, { body: video });
      }
      if (Date.now() >= deadline) throw new RequestTimeout(`video ${id} still ${video.status} after ${timeoutMs} ms`, { body: video });
      await this.transport.sleep(Math.min(options.intervalMs ?? 1_000, Math.max(0, deadline - Date.now())));
    }
  }

  /**
   * Rename a video or set its AniList / MyAnimeList id (null clears it), without hashing it again (admin).
   * @param {string} id
   * @param {import('./index.js').VideoPatch} patch
   */
  async updateVideo(id, patch) {
    const headers = { 'content-type': 'application/json' };
    return this.json({ method: 'PATCH', path: fill('/videos/{id}', { id }), body: JSON.stringify(patch), headers });
  }

  /** Remove a video and its scenes (admin). @param {string} id */
  async deleteVideo(id) {
    return this.json({ method: 'DELETE', path: fill('/videos/{id}', { id }) });
  }

  /** Index a video's source again (admin). @param {string} id */
  async reindexVideo(id) {
    return this.json({ method: 'POST', path: fill('/videos/{id}/reindex', { id }), idempotent: false });
  }

  /**
   * Where to upload a video (admin): `{ videoId, upload: { url, fields, method }, expires }`.
   * @param {{ filename: string, title: string, episode?: string | null, size: number }} request
   */
  async createUpload(request) {
    const headers = { 'content-type': 'application/json' };
    return this.json({ method: 'POST', path: '/uploads', body: JSON.stringify(request), headers, idempotent: false });
  }

  /**
   * Upload a video and have it indexed (admin): asks where (`createUpload`), then sends the file
   * there (S3's presigned POST with its fields, or `ashen serve`'s one-time URL as the raw body).
   * The `videoId` it answers is indexing: follow it with `waitIndexed`.
   * @param {Blob | ArrayBuffer | ArrayBufferView | URL | string} input a path or file: URL in Node
   * @param {{ filename?: string, title: string, episode?: string | null }} info
   */
  async uploadVideo(input, info) {
    const { body: blob } = await bytesOf(input);
    const filename = filenameOf(input, info.filename);
    if (!filename) throw new TypeError('uploadVideo: give info.filename for bytes without a name');
    const made = await this.createUpload({ filename, title: info.title, episode: info.episode, size: blob.size });
    const { url, fields } = made.upload;
    let upload = blob;
    /** @type {Record<string, string>} */
    let headers = { 'content-type': 'application/octet-stream' };
    if (Object.keys(fields).length > 0) {
      const form = new FormData();
      for (const [name, value] of Object.entries(fields)) form.append(name, value);
      form.append('file', blob, filename);
      upload = /** @type {any} */ (form);
      headers = {};
    }
    const target = new URL(url, this.transport.baseUrl).toString();
    // The upload URL carries its own authority (a signature): no key; a large file takes its time.
    const transport = { ...this.transport, apiKey: undefined, timeoutMs: Math.max(this.transport.timeoutMs, 3_600_000) };
    await send(transport, { method: 'POST', path: target, body: upload, headers, idempotent: false });
    return { videoId: made.videoId };
  }

  /** Who the caller counts as (key or anonymous tier) and how much of its quota is left. */
  async me() {
    return this.json({ method: 'GET', path: '/me' });
  }

  /** The API's OpenAPI document. */
  async openapi() {
    return this.json({ method: 'GET', path: '/openapi.json' });
  }

  /** The HTML of the search page at `/`. */
  async webPage() {
    return this.text({ method: 'GET', path: '/' });
  }

  /** A file of the search page. @param {'app.js' | 'app.css' | 'docs.js'} file */
  async webAsset(file) {
    return this.text({ method: 'GET', path: fill('/web/{file}', { file }) });
  }

  /** The HTML of the interactive API docs (Swagger UI) at `/docs`. */
  async apiDocs() {
    return this.text({ method: 'GET', path: '/docs' });
  }

  /** A file of Swagger UI. @param {'swagger-ui-bundle.js' | 'swagger-ui.css'} file */
  async apiDocsAsset(file) {
    return this.text({ method: 'GET', path: fill('/docs/{file}', { file }) });
  }

  /**
   * A match's preview clip (its `video` field: a signed URL) as a Blob.
   * @param {string} url
   * @param {{ size?: 's' | 'm' | 'l', mute?: boolean }} [options]
   */
  async videoPreview(url, options = {}) {
    const query = { size: options.size, mute: options.mute === undefined ? undefined : onOff(options.mute) };
    return this.blob({ method: 'GET', path: new URL(url, this.transport.baseUrl).toString(), query });
  }

  /**
   * A match's still (its `image` field: a signed URL) as a Blob.
   * @param {string} url
   * @param {{ size?: 's' | 'm' | 'l' }} [options]
   */
  async imagePreview(url, options = {}) {
    return this.blob({ method: 'GET', path: new URL(url, this.transport.baseUrl).toString(), query: { size: options.size } });
  }
}
