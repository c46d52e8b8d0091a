/**
 * The tools that check the deployment files as their consumers read them (deploy/render.ts),
 * built from Go modules by dev/go-binaries.ts. Each is the newest release whose module asks for no
 * newer Go than the README's 1.25 (so `go install` fetches no toolchain): kustomize 5.8.2 asks for
 * Go 1.26, compose-go 2.17 for 1.26.11.
 */
/** `kustomize build`, what `kubectl apply -k` runs: sigs.k8s.io/kustomize/kustomize/v5. */
export const KUSTOMIZE_VERSION = '5.8.1';
/** The Compose Specification's reference loader (the library of `docker compose`), its `cmd`: github.com/compose-spec/compose-go/v2. */
export const COMPOSE_GO_VERSION = '2.16.2';
