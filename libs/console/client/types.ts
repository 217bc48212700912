/** The shapes of the API answers the console reads (docs/http-api.md). */
export interface ProgramSummary {
  id: string;
  name: string;
  currency: string;
  createdAt?: string;
}

export interface Program extends ProgramSummary {
  commission: { type: string; amount: string };
}

export interface Bucket {
  count: number;
  amount: string;
}

export interface Totals {
  partnerId?: string;
  currency: string;
  pending: Bucket;
  approved: Bucket;
  denied: Bucket;
  reversed: Bucket;
  paid: Bucket;
  balance: string;
}

export interface CommissionTotals {
  program: Totals;
  items: Totals[];
  nextCursor: string | null;
}

export interface Lag {
  projection: string;
  position: string | null;
  eventsBehind: number;
  secondsBehind: number;
}

export interface Partner {
  id: string;
  key: string;
  email: string;
  name: string;
  status: string;
  commissionTotals?: Totals[];
}

export interface FlagReason {
  flag: string;
  reason: string;
}

export interface Conversion {
  id: string;
  status: string;
  transactionKey: string;
  partnerId: string;
  amount: string;
  currency: string;
  commissions: { partnerId: string; level: number; amount: string }[];
  flags: string[];
  flagReasons: FlagReason[];
  createdAt: string;
  position?: string;
}

/** `POST …/partners/:id/portal-links`. */
export interface PortalLink {
  url: string;
  token: string;
  expiresAt: string;
}

/** `GET /v1/portal/partner`: one partner's own data, chosen by the link's token. */
export interface PortalView {
  program: { id: string; name: string };
  partner: { id: string; name: string; key: string; status: string };
  totals: Totals[];
  conversions: { id: string; transactionKey: string; status: string; amount: string; commission: string; currency: string; createdAt: string }[];
  payouts: { id: string; status: string; amount: string; currency: string; createdAt: string; paidAt: string | null }[];
  expiresAt: string;
}

/** `GET …/payouts/:id` and the payout commands' answers. */
export interface Payout {
  id: string;
  status: 'DRAFT' | 'PAID' | 'CANCELLED';
  currency: string;
  upTo: string;
  items: { partnerId: string; amount: string; conversionIds: string[] }[];
  total: string;
  reference: string | null;
  createdAt: string;
  paidAt: string | null;
  cancelledAt: string | null;
  position?: string;
}

/** One line of `GET …/events` (NDJSON). */
export interface LoggedEvent {
  position: string;
  stream: string;
  revision: string;
  type: string;
  created: string;
  data: unknown;
  metadata: unknown;
}

/** One entry of `GET …/conversions/:id/history`. */
export interface HistoryEntry {
  type: 'CREATED' | 'APPROVED' | 'DENIED' | 'REOPENED' | 'REFUNDED';
  status: string;
  at: string;
  position: string;
  actor: { type: string; id?: string; rule?: string } | null;
  reason: string | null;
  amount?: string;
  fullyRefunded?: boolean;
  commissions?: { partnerId: string; level: number; amount: string }[];
}

export interface ConversionHistory {
  conversionId: string;
  transactionKey: string;
  items: HistoryEntry[];
  nextCursor: string | null;
}

/** `GET …/commission-series`. */
export interface CommissionSeries {
  currency: string;
  from: string;
  to: string;
  items: { day: string; earned: Bucket; approved: Bucket; reversed: Bucket }[];
}

/** `GET …/incoming-webhooks` items and the base of one webhook's answer. */
export interface IncomingWebhookSummary {
  id: string;
  name: string;
  testUrl: string;
  productionUrl: string;
  action: string | null;
  mapping: Record<string, string> | null;
  createdAt: string;
  updatedAt: string;
}

export interface SamplePath {
  path: string;
  type: 'string' | 'number' | 'boolean' | 'null' | 'object' | 'array';
  example: unknown;
}

export interface TargetField {
  name: string;
  required: boolean;
  description: string;
}

/** `GET …/incoming-webhooks/:id`: the newest sample, the kept samples' times, their paths, every action's targets. */
export interface IncomingWebhook extends IncomingWebhookSummary {
  sample: unknown;
  samples: { receivedAt: string }[];
  paths: SamplePath[];
  pathsTruncated: boolean;
  targets: Record<string, TargetField[]>;
}

export interface ProblemBody {
  code: string;
  status: number;
  detail: string;
  errors?: { field: string; reason: string; path?: string }[];
}

/** What an incoming webhook's action created or found (the production URL's answer, less its envelope). */
export interface IncomingResult {
  partner?: { id: string; key: string; email: string; name: string };
  customer?: { id: string; key?: string; email?: string; name?: string; created?: boolean };
  transaction?: {
    key: string;
    amount: string;
    currency: string;
    created: boolean;
    conversion: { commissions: { partnerId: string; level: number; amount: string }[] } | null;
  };
}

/** What a payload would do at the production URL. */
export interface DryRunOutcome {
  wouldSucceed: boolean;
  status: number;
  result?: IncomingResult;
  error?: ProblemBody;
  events: { stream: string; type: string; data: Record<string, unknown> }[];
}

/** `POST …/incoming-webhooks/:id/mapping/dry-run`. */
export interface MappingDryRun {
  action: string;
  mapping: Record<string, string>;
  sample: { index: number; receivedAt: string };
  warnings: string[];
  dryRun: DryRunOutcome;
}

/** `GET …/incoming-webhooks/:id/requests` items. */
export interface IncomingRequest {
  id: string;
  at: string;
  url: 'test' | 'production';
  outcome: 'sampled' | 'dry_run' | 'created' | 'existing' | 'refused';
  status: number;
  /** What it created or found; for a test URL's dry run, the dry run. */
  result: (IncomingResult & Partial<DryRunOutcome>) | null;
  error: { code: string; detail: string } | null;
}
