import { Parser } from '@asyncapi/parser';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { API_ERRORS, CloseCode, ErrorCode, HttpErrorCode, SHARED_HTTP_ERROR_CODES } from '#libs/gateway';
import { type InProcessNode, startInProcessNode } from '../support/in-process-node.js';

/**
 * The error and close codes in the code, and those docs/protocol.md, docs/asyncapi.yaml and
 * the OpenAPI document list, are the same sets: a code added, renamed or removed on one
 * side fails here until the other side says so too.
 */
const root = fileURLToPath(new URL('../..', import.meta.url));
const read = (path: string) => readFileSync(join(root, path), 'utf8');

/** Close codes the docs list that the server never sends: RFC 6455 forbids sending 1006, clients see it. */
const NEVER_SENT = [1006];
/** HTTP codes in the table that no route answers today (only a 403 from a future guard would). */
const ANSWERED_BY_NO_ROUTE = ['FORBIDDEN'];

const wsCodes = Object.values(ErrorCode).sort();
const httpCodes = Object.keys(API_ERRORS).sort();
const closeCodes = Object.values(CloseCode).sort((a, b) => a - b);
const sorted = <T>(values: Iterable<T>) => [...values].sort();

/** The rows of the first table under `## heading` (up to the next heading of that level or higher): their cells, backticks dropped. */
function tableRows(markdown: string, heading: string): string[][] {
  const lines = markdown.split('\n');
  const level = heading.match(/^#+/)![0].length;
  const start = lines.findIndex((line) => line.trim() === heading);
  expect(start, `${heading} in the document`).toBeGreaterThanOrEqual(0);
  const rows: string[][] = [];
  for (const line of lines.slice(start + 1)) {
    const next = line.match(/^(#+) /);
    if (next && next[1]!.length <= level) break;
    if (!line.startsWith('|') || /^\|[-\s|]+\|$/.test(line)) {
      if (rows.length > 0 && !line.startsWith('|')) break;
      continue;
    }
    rows.push(line.split('|').slice(1, -1).map((cell) => cell.trim().replace(/`/g, '')));
  }
  return rows.slice(1); // the header row
}

function* sources(dir: string): Generator<string> {
  for (const entry of readdirSync(dir)) {
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) yield* sources(path);
    else if (entry.endsWith('.ts') && !entry.endsWith('.spec.ts')) yield path;
  }
}

describe('error and close codes: code, docs/protocol.md, docs/asyncapi.yaml and the OpenAPI document agree', () => {
  const protocol = read('docs/protocol.md');
  let asyncapi: {
    components: { schemas: { ErrorCode: { enum: string[] } } };
    channels: { connection: { 'x-close-codes': Array<{ code: number; name: string; sent?: boolean }> } };
  };
  let openapi: { components: { schemas: { HttpError: { properties: { code: { enum: string[] } } } } }; paths: Record<string, unknown> };
  let node: InProcessNode;

  beforeAll(async () => {
    const { document } = await new Parser().parse(read('docs/asyncapi.yaml'));
    asyncapi = document!.json() as never;
    node = await startInProcessNode({ NODE_ID: 'drift' });
    openapi = (await (await fetch(`${node.http}/api/docs-json`)).json()) as never;
  });
  afterAll(() => node?.close());

  it('the tables in the code are consistent: HTTP-only codes are not protocol codes, the HTTP table is both', () => {
    expect(Object.values(HttpErrorCode).filter((code) => (wsCodes as string[]).includes(code))).toEqual([]);
    expect(httpCodes).toEqual(sorted([...Object.values(HttpErrorCode), ...SHARED_HTTP_ERROR_CODES]));
  });

  it('docs/protocol.md "Errors" lists exactly the WebSocket error codes', () => {
    expect(sorted(tableRows(protocol, '## Errors').map(([code]) => code))).toEqual(wsCodes);
  });

  it('docs/protocol.md "HTTP errors" lists exactly the HTTP error codes, each with its status', () => {
    const rows = tableRows(protocol, '## HTTP errors');
    expect(sorted(rows.map(([code]) => code))).toEqual(httpCodes);
    for (const [code, status] of rows) expect(Number(status), code).toBe(API_ERRORS[code as keyof typeof API_ERRORS].status);
  });

  it('docs/protocol.md "Close codes" lists exactly the close codes (and the ones clients see but no server sends)', () => {
    const rows = tableRows(protocol, '## Close codes');
    expect(rows.map(([code]) => Number(code)).sort((a, b) => a - b)).toEqual([...closeCodes, ...NEVER_SENT].sort((a, b) => a - b));
    for (const [code, meaning] of rows) if (NEVER_SENT.includes(Number(code))) expect(meaning, String(code)).toMatch(/never sent/);
  });

  it('docs/asyncapi.yaml lists exactly the WebSocket error codes and close codes, by name', () => {
    expect(sorted(asyncapi.components.schemas.ErrorCode.enum)).toEqual(wsCodes);
    const listed = asyncapi.channels.connection['x-close-codes'];
    const sent = listed.filter((entry) => entry.sent !== false);
    expect(sent.map((entry) => entry.code).sort((a, b) => a - b)).toEqual(closeCodes);
    for (const entry of sent) expect(CloseCode[entry.name as keyof typeof CloseCode], `${entry.code} ${entry.name}`).toBe(entry.code);
    expect(listed.filter((entry) => entry.sent === false).map((entry) => entry.code)).toEqual(NEVER_SENT);
  });

  it('the OpenAPI document lists exactly the HTTP error codes, and each is documented on a route', () => {
    expect(sorted(openapi.components.schemas.HttpError.properties.code.enum)).toEqual(httpCodes);
    const text = JSON.stringify(openapi.paths);
    const onRoutes = httpCodes.filter((code) => text.includes(`"code":"${code}"`));
    expect(sorted(httpCodes.filter((code) => !onRoutes.includes(code)))).toEqual(sorted(ANSWERED_BY_NO_ROUTE));
  });

  it('every error code literal and numeric close code in the source is in the tables', () => {
    const known = new Set<string>([...wsCodes, ...httpCodes]);
    const unknown: string[] = [];
    for (const file of [...sources(join(root, 'libs')), ...sources(join(root, 'apps'))]) {
      const text = readFileSync(file, 'utf8');
      for (const [, code] of text.matchAll(/\bcode: '([A-Z][A-Z_]+)'/g)) if (!known.has(code!)) unknown.push(`${relative(root, file)}: ${code}`);
      for (const [, code] of text.matchAll(/\.close\((\d{4})\b/g)) if (!(closeCodes as number[]).includes(Number(code))) unknown.push(`${relative(root, file)}: close ${code}`);
    }
    expect(unknown).toEqual([]);
  });
});
