// Liveness only: answers without touching Shopify or the database.
export const loader = () => Response.json({ ok: true }, { headers: { "Cache-Control": "no-store" } });
