export { signRequest, canonicalString, sha256Hex, EMPTY_BODY_SHA256, type SignInput, type SignedHeaders } from './sign.js';
export { CandlekeepClient, type ClientReply, type OrderRequest } from './client.js';
