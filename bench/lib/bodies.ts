/**
 * NEW_CONVERSION payloads in Refersion's shape (≈ 900 bytes), the same sequence in every process
 * of a run: the delivery worker and the raw baseline POST byte-identical bodies.
 */
export function conversionBody(i: number): string {
  const total = 10 + (i % 490) + (i % 100) / 100;
  return JSON.stringify({
    id: `cv_${Buffer.from(`ORD-${i}`).toString('base64url')}`,
    created: '2026-03-01 10:00:00',
    status: 'PENDING',
    denied_reason_code: null,
    is_recurring: false,
    total_items: '1',
    total: total.toFixed(2),
    commission_total: (total / 10).toFixed(2),
    currency: 'USD',
    is_test_conversion: 'FALSE',
    payment_status: 'UNPAID',
    updated: null,
    affiliate: { id: 'par_0123456789abcdef0123', code: 'PARTNER1', first_name: 'Ada', last_name: 'Lovelace', email: 'ada@example.com' },
    payment_id: null,
    offer: { id: 'prg_0123456789abcdef0123', name: 'Bench', type: 'PERCENT_OF_SALE', amount: '10' },
    customer: { name: `Customer ${i % 1000}`, email: `c${i % 1000}@example.com`, browser_ip: null },
    coupon_code: null,
    order_id: `ORD-${i}`,
    subscription_id: null,
    reason: null,
    notes: null,
    'product names': null,
    click: null,
    source: 'API',
  });
}
