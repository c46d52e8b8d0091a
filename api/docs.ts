import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ApiReferenceConfiguration } from '@scalar/api-reference';
import { Scalar } from '@scalar/hono-api-reference';
import type { Context } from 'hono';
import type { ApiEnv } from './context.js';

// The API reference's browser bundle, served from the installed package: /docs works offline.
const SCALAR_BUNDLE = path.join(path.dirname(fileURLToPath(import.meta.resolve('@scalar/api-reference'))), 'browser', 'standalone.js');

const sha256 = (text: string) => `'sha256-${createHash('sha256').update(text).digest('base64')}'`;
const inlineScripts = (html: string) => [...html.matchAll(/<script type="text\/javascript">([\s\S]*?)<\/script>/g)].map((match) => match[1] ?? '');

/**
 * The page allows exactly what it needs: its own bundle and the one inline script that starts it
 * (by hash), styles (the reference injects its own at run time), and requests to this API only.
 * Nothing leaves the machine, and the page cannot be framed.
 */
function contentSecurityPolicy(html: string): string {
  return [
    "default-src 'none'",
    `script-src 'self' ${inlineScripts(html).map(sha256).join(' ')}`,
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data:",
    "font-src 'self' data:",
    "connect-src 'self'",
    "worker-src 'self' blob:",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
}

/**
 * The bundle's buttons for Scalar's hosted services cannot work offline (and the CSP would block
 * them): the AI agent ("Ask AI"), "Generate MCP", and the developer tools bar ("Deploy", "Share",
 * configuration). On a loopback address the bundle shows them unless told not to. The keys are
 * typed by the configuration of the bundle that reads them (@scalar/api-reference), not by the Hono
 * wrapper's, which trails it by a few @scalar/types versions; the page passes every key through.
 */
const HOSTED_SERVICES_OFF: Pick<ApiReferenceConfiguration, 'mcp' | 'showDeveloperTools' | 'telemetry'> = {
  mcp: { disabled: true },
  showDeveloperTools: 'never',
  telemetry: false,
};

/** GET /docs (the interactive reference of /openapi.json) and the bundle it loads. */
export function docsHandlers() {
  const render = Scalar<ApiEnv>({
    url: '/openapi.json',
    pageTitle: 'Orderflow API',
    cdn: '/docs/scalar.js',
    withDefaultFonts: false,
    hideClientButton: true,
    agent: { disabled: true },
    ...HOSTED_SERVICES_OFF,
  });
  let page: { html: string; csp: string } | undefined;
  let bundle: Promise<string> | undefined;
  return {
    async page(c: Context<ApiEnv>) {
      if (!page) {
        const html = await ((await render(c, async () => {})) as Response).text();
        page = { html, csp: contentSecurityPolicy(html) };
      }
      c.header('Content-Security-Policy', page.csp);
      return c.html(page.html);
    },
    async bundle(c: Context<ApiEnv>) {
      bundle ??= readFile(SCALAR_BUNDLE, 'utf8');
      c.header('Cache-Control', 'public, max-age=86400');
      return c.body(await bundle, 200, { 'Content-Type': 'text/javascript; charset=utf-8' });
    },
  };
}
