import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '#libs/config';
import { HAPROXY_TEMPLATE, NGINX_TEMPLATE, renderHaproxy, renderNginx } from '../../scripts/lb-config.mjs';
import { ensureBinary } from '../infra/ensure-binary.js';
import { check as haproxyCheck } from '../infra/haproxy.js';
import { makeTempDir } from '../infra/managed-process.js';
import { test as nginxTest } from '../infra/nginx.js';

const haproxyCfg = readFileSync(HAPROXY_TEMPLATE, 'utf8');
const nginxConf = readFileSync(NGINX_TEMPLATE, 'utf8');
const pingIntervalS = loadConfig({}).gateway.pingIntervalMs / 1000;

/** `90s`, `1h`, `500ms` → seconds. */
const seconds = (value: string) => {
  const match = /^(\d+)(ms|s|m|h)?$/.exec(value);
  if (!match) throw new Error(`not a duration: ${value}`);
  return Number(match[1]) * { ms: 0.001, s: 1, m: 60, h: 3600 }[(match[2] ?? 's') as 'ms' | 's' | 'm' | 'h'];
};
const directive = (text: string, pattern: RegExp) => {
  const match = pattern.exec(text);
  if (!match) throw new Error(`no ${pattern} in the config`);
  return match[1]!;
};

const servers = [
  { name: 'a', address: '127.0.0.1:4001', agentPort: 4101 },
  { name: 'b', address: '127.0.0.1:4002', agentPort: 4102 },
];

describe('the shipped load-balancer configs', () => {
  it('haproxy -c accepts deploy/haproxy/haproxy.cfg as shipped, without a warning', async () => {
    const output = await haproxyCheck(await ensureBinary('haproxy', 'haproxy'), HAPROXY_TEMPLATE);
    expect(output).not.toMatch(/WARNING|ALERT/);
  });

  it('nginx -t accepts deploy/nginx/nginx.conf as shipped', async () => {
    const output = await nginxTest(await ensureBinary('nginx', 'nginx'), NGINX_TEMPLATE);
    expect(output).toMatch(/syntax is ok/);
    expect(output).not.toMatch(/\[warn\]|\[emerg\]/);
  });

  it('HAProxy: idle WebSockets outlive the ping interval; leastconn, readiness checks, agent, retry on 503', () => {
    expect(seconds(directive(haproxyCfg, /^\s*timeout tunnel (\S+)/m))).toBeGreaterThanOrEqual(2 * pingIntervalS);
    expect(haproxyCfg).toMatch(/^\s*balance leastconn$/m);
    expect(haproxyCfg).toMatch(/^\s*http-check send meth GET uri \/health\/ready\b/m);
    expect(haproxyCfg).toMatch(/^\s*default-server .*\bagent-check\b.*\bweight 100\b|^\s*default-server .*\bweight 100\b.*\bagent-check\b/m);
    expect(directive(haproxyCfg, /^\s*retry-on (.+)$/m).split(/\s+/)).toEqual(expect.arrayContaining(['conn-failure', '503']));
  });

  it('nginx: idle WebSockets outlive the ping interval; Upgrade/Connection passed on; least_conn; retry on 503', () => {
    expect(seconds(directive(nginxConf, /^\s*proxy_read_timeout (\S+);/m))).toBeGreaterThanOrEqual(2 * pingIntervalS);
    expect(nginxConf).toMatch(/map \$http_upgrade \$connection_upgrade \{/);
    expect(nginxConf).toMatch(/proxy_set_header Upgrade \$http_upgrade;/);
    expect(nginxConf).toMatch(/proxy_set_header Connection \$connection_upgrade;/);
    expect(nginxConf).toMatch(/^\s*least_conn;$/m);
    expect(nginxConf).toMatch(/^\s*zone switchboard_nodes \S+;$/m);
    expect(directive(nginxConf, /^\s*proxy_next_upstream (.+);$/m).split(/\s+/)).toEqual(expect.arrayContaining(['error', 'http_503']));
  });
});

describe('rendering the shipped configs (scripts/lb-config.mjs)', () => {
  it('HAProxy: changes only the binds, the server list, the given check timings and runtime paths', async () => {
    const dir = makeTempDir('switchboard-render-');
    const rendered = renderHaproxy(haproxyCfg, {
      bind: '127.0.0.1:4000',
      statsBind: '127.0.0.1:4400',
      servers,
      defaultServer: { inter: '200ms', 'agent-inter': '300ms' },
      runDir: dir,
    });
    expect(rendered).toMatch(/^\s*bind 127\.0\.0\.1:4000$/m);
    expect(rendered).toMatch(/^\s*bind 127\.0\.0\.1:4400$/m);
    expect(rendered.match(/^\s*server .*$/gm)).toEqual(['    server a 127.0.0.1:4001 agent-port 4101', '    server b 127.0.0.1:4002 agent-port 4102']);
    expect(rendered).toMatch(/^\s*default-server check inter 200ms fall 2 rise 2 weight 100 agent-check agent-inter 300ms$/m);
    expect(rendered).toContain(`stats socket ${dir}/admin.sock`);
    // Every other line is the shipped one.
    const changed = (text: string) => text.split('\n').filter((line) => !/^\s*(bind|server|default-server|stats socket)\b|\/run\/haproxy\/|switchboard-render-/.test(line));
    expect(changed(rendered)).toEqual(changed(haproxyCfg));
    const file = join(dir, 'haproxy.cfg');
    writeFileSync(file, rendered);
    expect(await haproxyCheck(await ensureBinary('haproxy', 'haproxy'), file)).not.toMatch(/WARNING|ALERT/);
  });

  it('nginx: changes only listen, the server list and runtime paths', async () => {
    const dir = makeTempDir('switchboard-render-');
    const rendered = renderNginx(nginxConf, { listen: '127.0.0.1:4000', servers, runDir: dir });
    expect(rendered).toMatch(/^\s*listen 127\.0\.0\.1:4000;$/m);
    expect(rendered.match(/^\s*server 127.*$/gm)).toEqual(['        server 127.0.0.1:4001 max_fails=1 fail_timeout=5s;', '        server 127.0.0.1:4002 max_fails=1 fail_timeout=5s;']);
    expect(rendered).toContain(`pid ${dir}/nginx-switchboard.pid;`);
    const directives = rendered.split('\n').filter((line) => !line.trim().startsWith('#'));
    expect(directives.filter((line) => /\/var\/log\/nginx\/|\/run\//.test(line))).toEqual([]);
    const changed = (text: string) => text.split('\n').filter((line) => !/^\s*(listen|server|pid|error_log|access_log)\b/.test(line));
    expect(changed(rendered)).toEqual(changed(nginxConf));
    const file = join(dir, 'nginx.conf');
    writeFileSync(file, rendered);
    expect(await nginxTest(await ensureBinary('nginx', 'nginx'), file, dir)).toMatch(/syntax is ok/);
  });

  it('refuses a template that lacks what it rewrites, rather than render something else', () => {
    const noServers = haproxyCfg.replace(/^\s*server .*$/gm, '');
    expect(() => renderHaproxy(noServers, { bind: ':1', statsBind: ':2', servers })).toThrow(/no servers line/);
    const noListen = nginxConf.replace(/^\s*listen .*$/gm, '');
    expect(() => renderNginx(noListen, { listen: '1', servers })).toThrow(/no listen line/);
  });
});
