// ashen-client: the JavaScript client of the Ashen API (ESM, no dependencies; Node 18+ and browsers).
export { AshenClient } from './client.js';
export {
  AshenError,
  BadRequest,
  Unauthorized,
  PaymentRequired,
  Forbidden,
  NotFound,
  PayloadTooLarge,
  UnsupportedMediaType,
  RateLimited,
  ServerError,
  NetworkError,
  RequestTimeout,
  IndexingFailed,
} from './errors.js';
export { ROUTES } from './routes.js';
