// The image's HEALTHCHECK (Dockerfile), for whichever process the container runs: a worker's
// /healthz on WORKER_METRICS_ADDRESS when that is set, else the API's /healthz on API_HOST:API_PORT.
// Plain JavaScript, no dependency: it runs every few seconds and must start fast.
// Exit 0 healthy, 1 not. Tested by deploy/deploy.integration.test.ts against a real listener on loopback.

/** The address to call for a listener bound to `host`: a wildcard bind answers on loopback. */
function reachable(host) {
  const bare = host.replace(/^\[|\]$/g, '');
  if (bare === '' || bare === '0.0.0.0') return '127.0.0.1';
  if (bare === '::' || bare === '::0') return '[::1]';
  return bare.includes(':') ? `[${bare}]` : bare;
}

function healthUrl(env) {
  const worker = env.WORKER_METRICS_ADDRESS;
  if (worker) {
    const separator = worker.lastIndexOf(':');
    return `http://${reachable(worker.slice(0, separator))}:${worker.slice(separator + 1)}/healthz`;
  }
  return `http://${reachable(env.API_HOST ?? '127.0.0.1')}:${env.API_PORT || '3000'}/healthz`;
}

const url = healthUrl(process.env);
try {
  const response = await fetch(url, { signal: AbortSignal.timeout(3_000) });
  if (!response.ok) {
    console.error(`${url}: HTTP ${response.status}`);
    process.exit(1);
  }
} catch (error) {
  console.error(`${url}: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
}
