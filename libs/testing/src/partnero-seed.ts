/**
 * Partnero's "Example: Complete Flow" for incoming webhooks, verbatim: an order, and the mapping of
 * its paths to create_transaction. One home for the specs that send it (the incoming-webhook e2e
 * and the fuzz suite); the README's walk-through runs the same flow.
 */
export const PARTNERO_SEED_ORDER = {
  event: 'order_completed',
  customer: { email: 'jane@example.com', name: 'Jane Smith' },
  order: { id: 'ORD-789', amount: 149.99, product: 'pro_plan' },
  referral_code: 'PARTNER123',
};

export const PARTNERO_SEED_MAPPING = {
  customerEmail: 'customer.email',
  customerName: 'customer.name',
  transactionKey: 'order.id',
  amount: 'order.amount',
  productId: 'order.product',
  partnerKey: 'referral_code',
};
