/** The live broker through ccxt: SIGNING.md part (a), A1–A8. */
export { getExchange, clearExchangeInstances, pointAt, type CredentialSource, type ExchangeHandle, type ExchangeSettings, type ExchangeCredentials } from './exchange-factory.js';
export { ExchangeGate } from './exchange-gate.js';
export { ClockSync, bestOffset, installMonotonicNonce, type SyncResult } from './clock-sync.js';
export { classify, type Outcome } from './classify.js';
export { OrderPath, stateOf, type PlaceRequest } from './order-path.js';
export { openLiveAccount, type LiveAccount, type LiveAccountOptions } from './live-account.js';
export { CcxtBroker, type AccountView, type CcxtBrokerOptions } from './ccxt-broker.js';
export { IntentOrderIds } from './intent-order-ids.js';
export { keyStoreCredentials } from './key-store-credentials.js';
export { loadCcxt } from './ccxt-types.js';
export { GatewayOrderIntake, type GatewayIntakeOptions } from './gateway-intake.js';
