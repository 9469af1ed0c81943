/**
 * The browsable API reference at /api/docs: server-rendered HTML generated from the OpenAPI
 * document itself, so it can never drift from it. No script and no CDN: it is served under the
 * app's strict CSP (no scripts, styles only from /static).
 */
import { html, raw } from 'hono/html';
import type { HtmlEscapedString } from 'hono/utils/html';

type Json = Record<string, unknown>;

const METHODS = ['get', 'post', 'put', 'patch', 'delete'] as const;

/** The reference page for an OpenAPI 3.1 document. */
export function renderDocsPage(document: Json): HtmlEscapedString | Promise<HtmlEscapedString> {
  const info = (document['info'] ?? {}) as Json;
  const paths = (document['paths'] ?? {}) as Record<string, Json>;
  const schemas = (((document['components'] ?? {}) as Json)['schemas'] ?? {}) as Record<string, Json>;
  const operations = Object.entries(paths).flatMap(([path, item]) =>
    METHODS.filter((m) => item[m]).map((method) => ({ path, method, op: item[method] as Json })),
  );
  return html`<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8" />
    <meta name="viewport" content="width=device-width, initial-scale=1" />
    <title>${String(info['title'] ?? 'API')} reference</title>
    <link rel="stylesheet" href="/static/styles.css" />
  </head>
  <body>
    <main class="api-docs">
      <h1>${String(info['title'] ?? 'API')} <small>${String(info['version'] ?? '')}</small></h1>
      <p>${String(info['description'] ?? '')}</p>
      <p>The machine-readable document: <a href="/api/openapi.json">/api/openapi.json</a> (OpenAPI 3.1).</p>
      <nav aria-label="Operations">
        <ul>
          ${operations.map(({ path, method, op }) => html`<li><a href="#${anchor(method, path)}"><code>${method.toUpperCase()} ${path}</code></a> ${String(op['summary'] ?? '')}</li>`)}
        </ul>
      </nav>
      ${operations.map(({ path, method, op }) => operationSection(method, path, op))}
      <h2 id="schemas">Schemas</h2>
      ${Object.entries(schemas).map(
        ([name, schema]) => html`<section id="schema-${name}">
          <h3>${name}</h3>
          ${schema['description'] ? html`<p>${String(schema['description'])}</p>` : ''}
          ${propertiesTable(schema)}
        </section>`,
      )}
    </main>
  </body>
</html>`;
}

function anchor(method: string, path: string): string {
  return `${method}-${path.replace(/[^A-Za-z0-9]+/g, '-')}`;
}

function operationSection(method: string, path: string, op: Json) {
  const params = (op['parameters'] ?? []) as Json[];
  const responses = (op['responses'] ?? {}) as Record<string, Json>;
  const security = (op['security'] ?? []) as Array<Record<string, string[]>>;
  const scopes = security.flatMap((s) => Object.values(s).flat());
  const body = ((op['requestBody'] ?? {}) as Json)['content'] as Record<string, Json> | undefined;
  return html`<section id="${anchor(method, path)}">
    <h2><code>${method.toUpperCase()} ${path}</code></h2>
    <p>${String(op['summary'] ?? '')}</p>
    ${op['description'] ? html`<p>${String(op['description'])}</p>` : ''}
    ${scopes.length ? html`<p>Scope: <code>${scopes.join(' ')}</code></p>` : ''}
    ${params.length
      ? html`<table>
          <thead><tr><th>Parameter</th><th>In</th><th>Required</th><th>Description</th></tr></thead>
          <tbody>
            ${params.map(
              (p) => html`<tr><td><code>${String(p['name'])}</code></td><td>${String(p['in'])}</td><td>${p['required'] ? 'yes' : 'no'}</td><td>${String(p['description'] ?? ((p['schema'] ?? {}) as Json)['description'] ?? '')}</td></tr>`,
            )}
          </tbody>
        </table>`
      : ''}
    ${body ? html`<p>Body: ${Object.entries(body).map(([type, media], i) => html`${i ? ', ' : ''}<code>${type}</code> ${schemaRef(media['schema'] as Json)}`)}</p>` : ''}
    <dl>
      ${Object.entries(responses).map(([status, r]) => {
        const content = (r['content'] ?? {}) as Record<string, Json>;
        return html`<dt>${status}</dt><dd>${String(r['description'] ?? '')} ${Object.entries(content).map(([type, media]) => html`<code>${type}</code> ${schemaRef(media['schema'] as Json)}`)}</dd>`;
      })}
    </dl>
  </section>`;
}

function schemaRef(schema: Json | undefined) {
  const ref = schema?.['$ref'];
  if (typeof ref === 'string') {
    const name = ref.split('/').pop()!;
    return html`<a href="#schema-${name}">${name}</a>`;
  }
  return raw('');
}

function propertiesTable(schema: Json) {
  const properties = (schema['properties'] ?? {}) as Record<string, Json>;
  const required = new Set((schema['required'] ?? []) as string[]);
  if (Object.keys(properties).length === 0) return raw('');
  return html`<table>
    <thead><tr><th>Field</th><th>Type</th><th>Required</th><th>Description</th></tr></thead>
    <tbody>
      ${Object.entries(properties).map(
        ([name, p]) => html`<tr><td><code>${name}</code></td><td>${typeOf(p)}</td><td>${required.has(name) ? 'yes' : 'no'}</td><td>${String(p['description'] ?? '')}</td></tr>`,
      )}
    </tbody>
  </table>`;
}

function typeOf(p: Json): string {
  if (typeof p['$ref'] === 'string') return String(p['$ref']).split('/').pop()!;
  const type = Array.isArray(p['type']) ? (p['type'] as string[]).join(' | ') : String(p['type'] ?? (p['anyOf'] ? 'one of several' : 'any'));
  return p['format'] ? `${type} (${String(p['format'])})` : type;
}
