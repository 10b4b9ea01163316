// Renders the shipped load-balancer configs (deploy/haproxy/haproxy.cfg,
// deploy/nginx/nginx.conf) for a concrete set of nodes and ports. The tests and
// `npm run cluster` run the shipped files through this, never copies of them: a change
// to a shipped setting is what they test. Only addresses, server lists, check timings
// and runtime paths change; everything else is kept line for line. A template that no
// longer has the lines this expects is an error, not a silently different config.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const HAPROXY_TEMPLATE = fileURLToPath(new URL('../deploy/haproxy/haproxy.cfg', import.meta.url));
export const NGINX_TEMPLATE = fileURLToPath(new URL('../deploy/nginx/nginx.conf', import.meta.url));

/** Sections of an HAProxy config: a keyword at column 0 opens one. */
const HAPROXY_SECTION = /^(global|defaults|frontend|backend|listen|resolvers|peers|userlist|program|http-errors|ring|cache|mailers)\b(?:\s+(\S+))?/;

/**
 * @param {string} template text of deploy/haproxy/haproxy.cfg
 * @param {import('./lb-config.d.mts').HaproxyOptions} options
 */
export function renderHaproxy(template, options) {
  let section = '';
  const seen = { bind: false, statsBind: false, servers: false, defaultServer: false };
  const out = [];
  for (const line of template.split('\n')) {
    const header = HAPROXY_SECTION.exec(line);
    if (header) section = `${header[1]} ${header[2] ?? ''}`.trim();
    const indent = /^\s*/.exec(line)[0];
    const words = line.trim().split(/\s+/);
    if (section === 'frontend switchboard' && words[0] === 'bind') {
      out.push(`${indent}bind ${options.bind}`);
      seen.bind = true;
    } else if (section === 'frontend stats' && words[0] === 'bind') {
      out.push(`${indent}bind ${options.statsBind}`);
      seen.statsBind = true;
    } else if (section === 'backend switchboard_nodes' && words[0] === 'server') {
      // The first shipped server line is the pattern for all of them; the rest give way.
      if (!seen.servers) {
        const rest = words.slice(3);
        for (const server of options.servers) {
          const own = setOption(rest, 'agent-port', String(server.agentPort));
          out.push(`${indent}server ${server.name} ${server.address} ${own.join(' ')}`);
        }
      }
      seen.servers = true;
    } else if (section === 'backend switchboard_nodes' && words[0] === 'default-server') {
      let rest = words.slice(1);
      for (const [name, value] of Object.entries(options.defaultServer ?? {})) rest = setOption(rest, name, value);
      out.push(`${indent}default-server ${rest.join(' ')}`);
      seen.defaultServer = true;
    } else {
      out.push(relocate(line, ['/run/haproxy/'], options.runDir));
    }
  }
  for (const [what, found] of Object.entries(seen)) {
    if (!found) throw new Error(`renderHaproxy: the template has no ${what} line where one is expected`);
  }
  return out.join('\n');
}

/**
 * @param {string} template text of deploy/nginx/nginx.conf
 * @param {import('./lb-config.d.mts').NginxOptions} options
 */
export function renderNginx(template, options) {
  const seen = { listen: false, servers: false };
  const out = [];
  let upstream = false;
  let depth = 0;
  let upstreamDepth = -1;
  for (const line of template.split('\n')) {
    const code = line.replace(/#.*/, '');
    const indent = /^\s*/.exec(line)[0];
    const words = code.trim().split(/\s+/);
    if (words[0] === 'upstream' && words[1] === 'switchboard_nodes') {
      upstream = true;
      upstreamDepth = depth;
    }
    if (upstream && words[0] === 'server') {
      if (!seen.servers) {
        const rest = words.slice(2).join(' ').replace(/;$/, '');
        for (const server of options.servers) out.push(`${indent}server ${server.address}${rest ? ` ${rest}` : ''};`);
      }
      seen.servers = true;
    } else if (!upstream && words[0] === 'listen') {
      out.push(`${indent}listen ${options.listen};`);
      seen.listen = true;
    } else {
      out.push(relocate(line, ['/run/', '/var/log/nginx/'], options.runDir));
    }
    depth += (code.match(/{/g) ?? []).length - (code.match(/}/g) ?? []).length;
    if (upstream && depth <= upstreamDepth) upstream = false;
  }
  for (const [what, found] of Object.entries(seen)) {
    if (!found) throw new Error(`renderNginx: the template has no ${what} line where one is expected`);
  }
  return out.join('\n');
}

/** Reads and renders the shipped HAProxy config. */
export function haproxyConfig(options) {
  return renderHaproxy(readFileSync(HAPROXY_TEMPLATE, 'utf8'), options);
}

/** Reads and renders the shipped nginx config. */
export function nginxConfig(options) {
  return renderNginx(readFileSync(NGINX_TEMPLATE, 'utf8'), options);
}

/** Replaces `name <value>` among HAProxy server options, or appends it. */
function setOption(words, name, value) {
  const at = words.indexOf(name);
  if (at === -1) return [...words, name, value];
  const next = [...words];
  next[at + 1] = value;
  return next;
}

/** Moves runtime files (sockets, pid, logs) from system directories into `dir`. */
function relocate(line, prefixes, dir) {
  if (!dir || line.trim().startsWith('#')) return line;
  let result = line;
  for (const prefix of prefixes) result = result.replaceAll(prefix, `${dir.replace(/\/$/, '')}/`);
  return result;
}
