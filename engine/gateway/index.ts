export { Gateway, type GatewayOptions, type Reply } from './server.js';
export { GatewayConfigSchema, parseGatewayConfig, BODY_LIMIT_BYTES, type GatewayConfig } from './config.js';
export { PaperOrderIntake, paperVenue, type Venue, type Execution, type PaperBookStore } from './paper-intake.js';
export { startGateway, systemClock, type RunningGateway } from './run-gateway.js';
export { gatewayIntent, parseOrderBody } from './order-body.js';
export { generateTvToken, tvTokenHash, tvDedupeKey, TV_ROUTE_ID_RE } from './tradingview.js';
export { ROUTES } from './routes.js';
