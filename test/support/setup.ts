// Every test process gets the development defaults unless a test sets its own values, and
// logs stay quiet unless a test asks for them.
process.env.NODE_ENV = "test";
process.env.LOG_LEVEL ??= "silent";
process.env.SHOPIFY_API_KEY ??= "test-api-key";
process.env.SHOPIFY_API_SECRET ??= "test-api-secret-for-signing";
process.env.SHOPIFY_APP_URL ??= "https://scanshield.test";
