// Every route of openapi.json (by operationId) and the AshenClient method that calls it. The tests
// read openapi.json and fail for a route missing here, or whose method does not send its request.

/** @type {Readonly<Record<string, { method: string, path: string, call: string }>>} */
export const ROUTES = Object.freeze({
  searchImage: { method: 'POST', path: '/search', call: 'search' },
  searchUrl: { method: 'GET', path: '/search', call: 'searchUrl' },
  listVideos: { method: 'GET', path: '/videos', call: 'listVideos' },
  getVideo: { method: 'GET', path: '/videos/{id}', call: 'video' },
  updateVideo: { method: 'PATCH', path: '/videos/{id}', call: 'updateVideo' },
  deleteVideo: { method: 'DELETE', path: '/videos/{id}', call: 'deleteVideo' },
  reindexVideo: { method: 'POST', path: '/videos/{id}/reindex', call: 'reindexVideo' },
  createUpload: { method: 'POST', path: '/uploads', call: 'createUpload' },
  getMe: { method: 'GET', path: '/me', call: 'me' },
  openapi: { method: 'GET', path: '/openapi.json', call: 'openapi' },
  webPage: { method: 'GET', path: '/', call: 'webPage' },
  webAsset: { method: 'GET', path: '/web/{file}', call: 'webAsset' },
  apiDocs: { method: 'GET', path: '/docs', call: 'apiDocs' },
  apiDocsAsset: { method: 'GET', path: '/docs/{file}', call: 'apiDocsAsset' },
  getVideoPreview: { method: 'GET', path: '/preview/{videoId}/video.mp4', call: 'videoPreview' },
  getImagePreview: { method: 'GET', path: '/preview/{videoId}/image.jpg', call: 'imagePreview' },
});
