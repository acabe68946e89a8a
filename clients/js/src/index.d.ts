// The public types of ashen-client. The API's shapes come from openapi.d.ts, generated from
// openapi.json (`npm run types`; scripts/check-types.js fails when it has drifted). client.js is
// checked against AshenClientApi by `tsc --noEmit` (its class @implements it).

import type { components, operations } from './openapi.js';

type Json<Op extends keyof operations, Status extends number> = operations[Op]['responses'] extends Record<
  Status,
  { content: { 'application/json': infer T } }
>
  ? T
  : never;

export type { components, operations, paths } from './openapi.js';
export type SearchResponse = components['schemas']['SearchResponse'];
export type Match = components['schemas']['Match'];
export type Video = components['schemas']['Video'];
export type VideoPatch = components['schemas']['VideoPatch'];
export type Removal = components['schemas']['Removal'];
export type UploadRequest = components['schemas']['UploadRequest'];
export type Upload = components['schemas']['Upload'];
export type VideoPage = Json<'listVideos', 200>;
export type Me = Json<'getMe', 200>;
export type VideoStatus = NonNullable<Video['status']>;

/** What a search is given: bytes, an http(s) URL (the server fetches it), or in Node a file path. */
export type SearchInput = Blob | ArrayBuffer | ArrayBufferView | URL | string;

export interface ClientOptions {
  /** The API, e.g. http://127.0.0.1:8000 (`ashen serve`) or the stack's ApiUrl; default $ASHEN_API_URL. */
  baseUrl?: string;
  /** Sent as x-api-key; default $ASHEN_API_KEY. */
  apiKey?: string;
  /** Milliseconds one attempt may take (default 30000). */
  timeoutMs?: number;
  /** Retries after the first attempt, on 429, 502, 503, 504 and network errors (default 3). */
  maxRetries?: number;
  /** Base of the exponential backoff, in ms (default 500); each wait is jittered. */
  retryBaseMs?: number;
  /** Longest backoff between two attempts without Retry-After, in ms (default 8000). */
  retryMaxMs?: number;
  /** A Retry-After longer than this (ms, default 60000) is not waited for: the error is thrown at once. */
  maxRetryAfterMs?: number;
  /** The fetch to use (default globalThis.fetch). */
  fetch?: typeof fetch;
  /** How to wait between retries and polls (default setTimeout); tests pass their own. */
  sleep?: (ms: number) => Promise<void>;
}

export interface SearchOptions {
  /** Only videos whose title contains this (case-insensitive). */
  title?: string;
  /** Only videos of this AniList id. */
  anilistId?: number;
  /** Matches to return, 1 to 100 (default 10). */
  limit?: number;
  /** Also search inside detected borders (default true). */
  cutBorders?: boolean;
  /** Also search the mirrored picture (default true). */
  mirror?: boolean;
  /** Also try un-crop hypotheses (default true). */
  uncrop?: boolean;
  /** Also try undoing brightness, contrast and gamma edits (default true). */
  tones?: boolean;
  /** trace.moe's: each match's anilist becomes an object. */
  anilistInfo?: boolean;
  /** The body's Content-Type (default the Blob's type, else application/octet-stream: the server tells by the bytes). */
  contentType?: string;
  signal?: AbortSignal;
}

export interface ListOptions {
  limit?: number;
  cursor?: string | null;
  status?: VideoStatus;
  signal?: AbortSignal;
}

export interface WaitOptions {
  /** Give up after this many ms (default 600000) with RequestTimeout. */
  timeoutMs?: number;
  /** Poll every this many ms (default 1000). */
  intervalMs?: number;
  signal?: AbortSignal;
}

export interface AshenClientApi {
  readonly baseUrl: string;
  search(input: SearchInput, options?: SearchOptions): Promise<SearchResponse>;
  searchUrl(url: string | URL, options?: SearchOptions): Promise<SearchResponse>;
  searchSignature(hex: string, options?: SearchOptions): Promise<SearchResponse>;
  listVideos(options?: ListOptions): Promise<VideoPage>;
  videos(options?: { pageSize?: number; status?: VideoStatus; signal?: AbortSignal }): AsyncGenerator<Video, void, unknown>;
  video(id: string, options?: { signal?: AbortSignal }): Promise<Video>;
  waitIndexed(id: string, options?: WaitOptions): Promise<Video>;
  updateVideo(id: string, patch: VideoPatch): Promise<Video>;
  deleteVideo(id: string): Promise<Removal>;
  reindexVideo(id: string): Promise<Video>;
  createUpload(request: UploadRequest): Promise<Upload>;
  uploadVideo(input: SearchInput, info: { filename?: string; title: string; episode?: string | null }): Promise<{ videoId: string }>;
  me(): Promise<Me>;
  openapi(): Promise<Record<string, unknown>>;
  webPage(): Promise<string>;
  webAsset(file: 'app.js' | 'app.css' | 'docs.js'): Promise<string>;
  apiDocs(): Promise<string>;
  apiDocsAsset(file: 'swagger-ui-bundle.js' | 'swagger-ui.css'): Promise<string>;
  videoPreview(url: string, options?: { size?: 's' | 'm' | 'l'; mute?: boolean }): Promise<Blob>;
  imagePreview(url: string, options?: { size?: 's' | 'm' | 'l' }): Promise<Blob>;
}

export interface AshenClient extends AshenClientApi {}
export class AshenClient {
  constructor(options?: ClientOptions);
}

export interface ErrorDetails {
  status?: number;
  retryAfter?: number | null;
  body?: unknown;
  headers?: Headers;
  cause?: unknown;
}

export class AshenError extends Error {
  constructor(message: string, details?: ErrorDetails);
  /** The HTTP status; 0 when no answer came (network error, timeout). */
  readonly status: number;
  /** Seconds the server asked to wait (Retry-After), or null. */
  readonly retryAfter: number | null;
  /** The decoded answer (`{"error": "..."}` for the API's 4xx), or null. */
  readonly body: unknown;
  readonly headers: Headers | null;
}
export class BadRequest extends AshenError {}
export class Unauthorized extends AshenError {}
export class PaymentRequired extends AshenError {}
export class Forbidden extends AshenError {}
export class NotFound extends AshenError {}
export class PayloadTooLarge extends AshenError {}
export class UnsupportedMediaType extends AshenError {}
export class RateLimited extends AshenError {}
export class ServerError extends AshenError {}
export class NetworkError extends AshenError {}
export class RequestTimeout extends AshenError {}
export class IndexingFailed extends AshenError {}

/** Every route of openapi.json (by operationId): its method, path and the AshenClient method calling it. */
export const ROUTES: Readonly<Record<string, { method: string; path: string; call: keyof AshenClientApi }>>;
