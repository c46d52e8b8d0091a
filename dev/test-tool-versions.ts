/**
 * Servers the integration suites run against, built from Go modules by dev/go-binaries.ts.
 * stripe-mock answers Stripe's API as Stripe's OpenAPI spec describes it (every request validated,
 * canned objects back). v0.203.0 is the newest tag the Go module proxy serves; its module asks for
 * Go 1.22.1, below the README's 1.25, so `go install` fetches no toolchain.
 */
export const STRIPE_MOCK_VERSION = '0.203.0';
