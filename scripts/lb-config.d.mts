export declare const HAPROXY_TEMPLATE: string;
export declare const NGINX_TEMPLATE: string;

export interface HaproxyOptions {
  /** Address of the client-facing frontend, e.g. `127.0.0.1:8080`. */
  bind: string;
  /** Address of the stats page (`/stats`, `/stats;csv`, `/metrics`). */
  statsBind: string;
  servers: Array<{ name: string; address: string; agentPort: number }>;
  /** Overrides of `default-server` options, e.g. `{ inter: '200ms' }`. */
  defaultServer?: Record<string, string>;
  /** Where runtime files under /run/haproxy/ (the admin socket) go instead. */
  runDir?: string;
}

export interface NginxOptions {
  /** What `listen` gets, e.g. `127.0.0.1:8081`. */
  listen: string;
  servers: Array<{ address: string }>;
  /** Where files under /run/ and /var/log/nginx/ (pid, logs) go instead. */
  runDir?: string;
}

export declare function renderHaproxy(template: string, options: HaproxyOptions): string;
export declare function renderNginx(template: string, options: NginxOptions): string;
export declare function haproxyConfig(options: HaproxyOptions): string;
export declare function nginxConfig(options: NginxOptions): string;
