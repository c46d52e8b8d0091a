import { describe, expect, it } from 'vitest';
import { fastApp } from '../test/support/fast-app.js';

// /readyz checks Temporal and each database it is given, and says which one failed (never why).
describe('readiness', () => {
  it('is ready when Temporal and every database answer', async () => {
    const { request } = fastApp({ databaseChecks: { 'postgres:product': async () => 1, 'postgres:order': async () => 1 } });
    expect(await request('GET', '/readyz')).toMatchObject({
      status: 200,
      body: { status: 'ready', checks: { temporal: { ok: true }, 'postgres:product': { ok: true }, 'postgres:order': { ok: true } } },
    });
  });

  it('answers 503 naming the check that failed, without its error', async () => {
    const down = Object.assign(new Error('connect ECONNREFUSED 10.0.0.7:5432 as orderflow_order_reader'), { code: 'ECONNREFUSED' });
    const { request } = fastApp({ databaseChecks: { 'postgres:product': async () => 1, 'postgres:order': () => Promise.reject(down) } });
    const response = await request('GET', '/readyz');
    expect(response).toMatchObject({ status: 503, body: { status: 'unavailable', checks: { temporal: { ok: true }, 'postgres:product': { ok: true }, 'postgres:order': { ok: false, error: 'unreachable' } } } });
    expect(response.text).not.toMatch(/10\.0\.0\.7|orderflow_order_reader|ECONNREFUSED/);
  });

  it('answers 503 when Temporal does not answer', async () => {
    const app = fastApp();
    app.temporal.systemInfo = new Error('14 UNAVAILABLE: No connection established');
    expect(await app.request('GET', '/readyz')).toMatchObject({ status: 503, body: { checks: { temporal: { ok: false, error: 'unreachable' } } } });
  });

  it('answers liveness without asking anything', async () => {
    const app = fastApp();
    app.temporal.systemInfo = new Error('down');
    expect(await app.request('GET', '/healthz')).toMatchObject({ status: 200, body: { status: 'ok' } });
  });
});
