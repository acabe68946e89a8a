// Not run: type-checked by `tsc --noEmit` (npm run check-types) as a TypeScript user's code would be,
// so that the published types (src/index.d.ts, src/openapi.d.ts) stay usable and say what the API answers.
import { AshenClient, AshenError, RateLimited, ROUTES, type Match, type SearchResponse, type Video } from '../src/index.js';

export async function consumer(): Promise<string[]> {
  const ashen = new AshenClient({ baseUrl: 'http://127.0.0.1:8000', apiKey: 'k', timeoutMs: 5_000, maxRetries: 2 });
  const answer: SearchResponse = await ashen.search(new Uint8Array([0xff, 0xd8]), { limit: 3, mirror: false });
  const best: Match | undefined = answer.result[0];
  const seconds: number | null | undefined = best?.at; // null for a still image
  const kind: 'video' | 'still' | undefined = best?.kind;
  const bySignature = await ashen.searchSignature('00'.repeat(21));
  const titles: string[] = [];
  for await (const video of ashen.videos({ status: 'indexed' })) titles.push(video.title ?? '');
  const one: Video = await ashen.waitIndexed('v1', { timeoutMs: 1_000 });
  const upload = await ashen.createUpload({ filename: 'a.mp4', title: 'A', size: 1 });
  const url: string = upload.upload.url;
  const me = await ashen.me();
  const role: 'search' | 'admin' | 'anonymous' = me.role;
  try {
    await ashen.video('x');
  } catch (err) {
    if (err instanceof RateLimited) titles.push(String(err.retryAfter));
    else if (err instanceof AshenError) titles.push(`${err.status}`);
  }
  const call: string = ROUTES.getMe.call;
  return [String(seconds), String(kind), String(bySignature.frameCount), one.status ?? '', url, role, call, ...titles];
}
