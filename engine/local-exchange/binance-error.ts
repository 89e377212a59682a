/**
 * A Binance error answer: HTTP status plus `{"code":…, "msg":…}`, with Binance's real codes and messages.
 * ccxt maps these (through its `exceptions.exact` table) to its error classes.
 */
export class BinanceError extends Error {
  override readonly name = 'BinanceError';
  constructor(readonly httpStatus: number, readonly code: number, readonly msg: string, readonly headers: Readonly<Record<string, string>> = {}) {
    super(`${code} ${msg}`);
  }
}

export const binanceErrors = {
  unknown: () => new BinanceError(500, -1000, 'An unknown error occured while processing the request.'),
  backendTimeout: () => new BinanceError(503, -1007, 'Timeout waiting for response from backend server. Send status unknown; execution status unknown.'),
  tooManyRequests: (retryAfterSec: number) =>
    new BinanceError(429, -1003, 'Too much request weight used; current limit is 6000 request weight per 1 MINUTE. Please use WebSocket Streams for live updates to avoid polling the API.', { 'Retry-After': String(retryAfterSec) }),
  banned: (untilMs: number, retryAfterSec: number) =>
    new BinanceError(418, -1003, `Way too much request weight used; IP banned until ${untilMs}. Please use WebSocket Streams for live updates to avoid bans.`, { 'Retry-After': String(retryAfterSec) }),
  timestampBehind: () => new BinanceError(400, -1021, 'Timestamp for this request is outside of the recvWindow.'),
  timestampAhead: () => new BinanceError(400, -1021, "Timestamp for this request was 1000ms ahead of the server's time."),
  badSignature: () => new BinanceError(400, -1022, 'Signature for this request is not valid.'),
  illegalChars: (param: string) =>
    new BinanceError(400, -1100, `Illegal characters found in parameter '${param}'; legal range is '^([0-9]{1,20})(\\.[0-9]{1,20})?$'.`),
  mandatory: (param: string) => new BinanceError(400, -1102, `Mandatory parameter '${param}' was not sent, was empty/null, or malformed.`),
  notRequired: (param: string) => new BinanceError(400, -1106, `Parameter '${param}' sent when not required.`),
  invalidTimeInForce: () => new BinanceError(400, -1115, 'Invalid timeInForce.'),
  invalidOrderType: () => new BinanceError(400, -1116, 'Invalid orderType.'),
  invalidSide: () => new BinanceError(400, -1117, 'Invalid side.'),
  invalidInterval: () => new BinanceError(400, -1120, 'Invalid interval.'),
  invalidSymbol: () => new BinanceError(400, -1121, 'Invalid symbol.'),
  recvWindowTooLarge: () => new BinanceError(400, -1131, 'recvWindow must be less than 60000'),
  filter: (name: string) => new BinanceError(400, -1013, `Filter failure: ${name}`),
  duplicateOrder: () => new BinanceError(400, -2010, 'Duplicate order sent.'),
  insufficientBalance: () => new BinanceError(400, -2010, 'Account has insufficient balance for requested action.'),
  unknownOrderCancel: () => new BinanceError(400, -2011, 'Unknown order sent.'),
  orderDoesNotExist: () => new BinanceError(400, -2013, 'Order does not exist.'),
  apiKeyFormat: () => new BinanceError(401, -2014, 'API-key format invalid.'),
  invalidApiKey: () => new BinanceError(401, -2015, 'Invalid API-key, IP, or permissions for action.'),
  notFound: () => new BinanceError(404, -1000, 'Not found.'),
} as const;
