/** Injection tokens of the API's modules; the ports' own tokens come from the libs that own them. */
export { EVENT_STORE } from '@partner-ledger/event-store';
export { READ_SIDE } from '@partner-ledger/projections';
export const API_OPTIONS = Symbol('API_OPTIONS');

export interface ApiOptions {
  /** The admin key in clear; compared in constant time. */
  adminApiKey: string;
}
