/** Injection tokens shared by the API's modules. */
export const EVENT_STORE = Symbol('EVENT_STORE');
export const API_OPTIONS = Symbol('API_OPTIONS');
export const READ_SIDE = Symbol('READ_SIDE');

export interface ApiOptions {
  /** The admin key in clear; compared in constant time. */
  adminApiKey: string;
}
