/**
 * What cdn-edge runs once its configuration has been read (main.ts): wires the real clock,
 * timers and undici transport into the edge pipeline, listens, joins the control plane, and
 * leaves gracefully on SIGTERM or SIGINT. A bad certificate, CA or peer-secret file found here is
 * still one line and exit 2 (runMain).
 */
import { randomBytes } from 'node:crypto';
import type { Server } from 'node:http';
import type { Server as NetServer } from 'node:net';
import { createJsonLogger } from '../common/adapters/json-logger.js';
import { systemClock, systemRandom, systemTimers } from '../common/adapters/system-clock.js';
import { createUndiciTransport } from '../common/adapters/undici-transport.js';
import { threadpoolCompressor } from '../common/adapters/zlib-compressor.js';
import { createAdminServer } from './adapters/admin-server.js';
import { createEdgeListener } from './adapters/edge-listener.js';
import { createHttpsEdgeServer, type HttpsEdgeServer } from './adapters/https-server.js';
import { certificateSourcesOf, loadStartupCertificates, readCaFile, reloadCertificatesOnSighup } from './adapters/tls/from-config.js';
import { withPeerSecretFile } from './adapters/peer-secret-file.js';
import { Readiness } from './adapters/readiness.js';
import { createEdgeRegistry } from './adapters/prometheus.js';
import { startRequestWatching } from './adapters/request-watching.js';
import type { EdgeConfig } from './config.js';
import { adminMembershipFor, createControlClient, createEdge } from './create-edge.js';
import { leaveGracefully } from './leave.js';

export async function serveEdge(loaded: EdgeConfig): Promise<void> {
  const config = withPeerSecretFile(loaded);
  const logger = createJsonLogger(config.id, config.logLevel);
  // Read before anything listens: a bad certificate or CA file is one line and exit 2.
  const certificateSources = certificateSourcesOf(config);
  const certificates = certificateSources === undefined ? undefined : loadStartupCertificates(certificateSources);
  const ca = readCaFile(config);
  const transport = createUndiciTransport(ca === undefined ? {} : { ca });
  const ports = { clock: systemClock, timers: systemTimers, transport, logger, random: systemRandom };
  const edge = createEdge(config, { ...ports, compressor: threadpoolCompressor });
  const watching = startRequestWatching(config, ports, [edge.metrics.requestDurations]);
  const server = createEdgeListener(config.httpServer, edge, { logger, timers: systemTimers, clock: systemClock }, { keepAliveTimeoutMs: config.keepAliveTimeoutMs, headersTimeoutMs: 10_000, watch: watching.watch });
  await listen(server, config.port, config.host);
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : config.port;
  let https: HttpsEdgeServer | undefined;
  let httpsLine = '';
  if (certificateSources !== undefined && certificates !== undefined && config.httpsPort !== undefined) {
    https = createHttpsEdgeServer(edge, { logger, clock: systemClock, timers: systemTimers }, { keepAliveTimeoutMs: config.keepAliveTimeoutMs, headersTimeoutMs: 10_000, watch: watching.watch, certificates, http2: config.http2 });
    await listen(https, config.httpsPort, config.host);
    reloadCertificatesOnSighup(certificateSources, https, logger);
    const httpsAddress = https.address();
    const httpsPort = typeof httpsAddress === 'object' && httpsAddress !== null ? httpsAddress.port : config.httpsPort;
    httpsLine = `cdn-edge ${config.id} listening on https://${config.host}:${httpsPort} (${config.http2.enabled ? 'h2, http/1.1' : 'http/1.1'})\n`;
  }
  const control = createControlClient(config, edge, ports, config.advertiseUrl ?? `http://${config.host}:${port}`);
  control?.start();
  const readiness = new Readiness(() => control === undefined || edge.control.leaseValid());
  let admin: Server | undefined;

  // Installed before any listening line is printed: a supervisor that sends SIGTERM as soon as it sees one gets the graceful leave, not the default kill.
  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    // /readyz answers 503 from now on, so a load balancer stops sending before the listener closes.
    readiness.stopping();
    logger.log('info', 'leaving gracefully', { signal, graceMs: config.shutdownGraceMs });
    // Past the grace period whatever is left is cut: the leave below is bounded by it too.
    setTimeout(() => {
      server.closeAllConnections();
      https?.closeAllConnections();
      watching.accessLog?.flush();
      process.exit(0);
    }, config.shutdownGraceMs + 1_000).unref();
    const closed = Promise.all([server, ...(https === undefined ? [] : [https])].map((s) => new Promise<void>((resolve) => s.once('close', () => resolve())))).then(() => undefined);
    leaveGracefully({
      edge,
      control,
      clock: systemClock,
      timers: systemTimers,
      graceMs: config.shutdownGraceMs,
      // Stop accepting, let in-flight requests finish, and drop idle keep-alive connections.
      stopAccepting: () => {
        server.close();
        server.closeIdleConnections();
        https?.close();
        https?.closeIdleConnections();
        admin?.close();
      },
      inFlightDone: () => closed,
    })
      .then((report) => logger.log('info', 'left', { ...report }))
      .catch((err: unknown) => logger.log('error', 'graceful leave failed', { error: String(err) }))
      .finally(() => void transport.close().finally(() => watching.close().finally(() => process.exit(0))));
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));

  if (httpsLine !== '') process.stdout.write(httpsLine);
  process.stdout.write(`cdn-edge ${config.id} listening on http://${config.host}:${port} -> origin ${config.origin}\n`);

  if (config.admin.port !== undefined && !stopping) {
    const token = config.admin.token ?? randomBytes(16).toString('hex');
    admin = createAdminServer({
      token,
      registry: createEdgeRegistry(edge, control, { accessLog: watching.accessLog }),
      health: () => ({
        ok: true,
        detail: {
          id: config.id,
          objects: edge.store.stats().entries,
          suspectPeers: edge.cluster?.health.suspects() ?? [],
          ...(control === undefined ? {} : { control: control.state, appliedSeq: edge.control.purges.appliedSeq, lag: control.lag(), leaseValid: edge.control.leaseValid() }),
        },
      }),
      ...adminMembershipFor(edge, control),
      ready: () => readiness.ready(),
    });
    await listen(admin, config.admin.port, config.admin.host);
    const adminAddress = admin.address();
    const adminPort = typeof adminAddress === 'object' && adminAddress !== null ? adminAddress.port : config.admin.port;
    const shown = config.admin.token === undefined ? ` (generated token: ${token})` : '';
    process.stdout.write(`cdn-edge ${config.id} admin on http://${config.admin.host}:${adminPort}${shown}\n`);
  }

}

function listen(server: NetServer, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
}
