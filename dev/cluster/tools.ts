import { ensureDebianPackage } from '../debian-packages.js';
import { ensureGoTool, TEMPORAL_SERVER, TEMPORAL_UI_SERVER } from '../go-binaries.js';

/** Cluster mode's nodes: two loopback addresses, the standard Temporal ports on each. */
export const CLUSTER_NODE_ADDRESSES = ['127.0.0.2', '127.0.0.3'];

/** What cluster mode runs: the server, its schema tool and the Web UI server (Go modules), HAProxy and openssl (Debian). */
export async function ensureClusterTools(say: (line: string) => void): Promise<{ server: string; sql: string; ui: string }> {
  ensureDebianPackage('haproxy', ['haproxy'], say);
  ensureDebianPackage('openssl', ['openssl'], say);
  const { server, sql } = await ensureGoTool(TEMPORAL_SERVER, say);
  const { server: ui } = await ensureGoTool(TEMPORAL_UI_SERVER, say);
  return { server: server!, sql: sql!, ui: ui! };
}
