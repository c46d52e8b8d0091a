import net from 'node:net';
import tls from 'node:tls';

export type ProbeResult = { outcome: 'served'; alpn: string | false } | { outcome: 'refused'; reason: string } | { outcome: 'closed'; firstByte?: number };

/**
 * Opens a TLS connection as a gRPC client would (ALPN h2) and reports how the server answers:
 * `served` once it sends its first bytes (an HTTP/2 server speaks first, with SETTINGS), or
 * `refused` with the TLS alert it sent. No timing involved: whichever event comes first decides.
 */
export function probeTls(address: string, options: { ca: Buffer; servername: string; cert?: Buffer; key?: Buffer }): Promise<ProbeResult> {
  const [host, port] = address.split(':') as [string, string];
  return new Promise((resolve) => {
    const socket = tls.connect({ host, port: Number(port), ALPNProtocols: ['h2'], ...options });
    socket.once('data', () => {
      resolve({ outcome: 'served', alpn: socket.alpnProtocol ?? false });
      socket.destroy();
    });
    socket.once('error', (error: NodeJS.ErrnoException) => resolve({ outcome: 'refused', reason: error.code ?? error.message }));
    socket.once('close', () => resolve({ outcome: 'closed' }));
  });
}

/** Speaks plain-text HTTP/2 (the gRPC preface) to `address`; reports what comes back before the server closes. */
export function probePlainText(address: string): Promise<ProbeResult> {
  const [host, port] = address.split(':') as [string, string];
  return new Promise((resolve) => {
    const socket = net.connect({ host, port: Number(port) }, () => socket.write('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n'));
    let firstByte: number | undefined;
    socket.on('data', (data) => (firstByte ??= data[0]));
    socket.once('error', (error: NodeJS.ErrnoException) => resolve({ outcome: 'refused', reason: error.code ?? error.message }));
    socket.once('close', () => resolve(firstByte === undefined ? { outcome: 'closed' } : { outcome: 'closed', firstByte }));
  });
}
