import express, { type NextFunction, type Request, type Response, type Router } from 'express';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Where the dashboard is served. The Vite build uses the same base (admin-ui/vite.config.ts). */
export const ADMIN_PATH = '/admin';

const ONE_YEAR_MS = 365 * 24 * 60 * 60 * 1000;

/**
 * admin-ui/dist of this checkout, found from this file whether it runs from
 * libs/admin/src (tests) or dist/libs/admin/src (the built app).
 */
export function defaultAdminUiDir(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'libs'))) return join(dir, 'admin-ui', 'dist');
    const parent = dirname(dir);
    if (parent === dir) return join(process.cwd(), 'admin-ui', 'dist');
    dir = parent;
  }
}

/** The dashboard gets its data from this origin only and is never framed. */
function securityHeaders(_req: Request, res: Response, next: NextFunction): void {
  res.setHeader('X-Content-Type-Options', 'nosniff');
  res.setHeader('Referrer-Policy', 'no-referrer');
  res.setHeader('X-Frame-Options', 'DENY');
  res.setHeader(
    'Content-Security-Policy',
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; " +
      "frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
  );
  next();
}

function notBuilt(uiDir: string) {
  return (_req: Request, res: Response, next: NextFunction): void => {
    if (existsSync(join(uiDir, 'index.html'))) return next();
    res
      .status(503)
      .setHeader('Cache-Control', 'no-store')
      .json({
        statusCode: 503,
        code: 'ADMIN_UI_NOT_BUILT',
        message: `The admin dashboard is not built (no ${join(uiDir, 'index.html')}): run \`npm run build\` and restart the node.`,
      });
  };
}

/**
 * The single-page dashboard, to mount at {@link ADMIN_PATH}:
 * - /assets/* are content-hashed by Vite: cached for a year, immutable; a missing one is a 404, never index.html;
 * - other files (favicon) and index.html: `no-cache`, so a new build is picked up at once;
 * - any other GET path under /admin answers index.html (SPA fallback);
 * - without a build, everything answers 503 saying how to build it.
 */
export function adminUiRouter(uiDir: string): Router {
  const router = express.Router();
  const noCache = (res: Response) => res.setHeader('Cache-Control', 'no-cache');
  router.use(securityHeaders, notBuilt(uiDir));
  router.use(
    '/assets',
    express.static(join(uiDir, 'assets'), { index: false, redirect: false, immutable: true, maxAge: ONE_YEAR_MS, fallthrough: true }),
    (_req: Request, res: Response) => {
      res.status(404).setHeader('Cache-Control', 'no-store').json({ statusCode: 404, code: 'NOT_FOUND', message: 'no such dashboard asset' });
    },
  );
  router.use(express.static(uiDir, { index: false, redirect: false, cacheControl: false, setHeaders: noCache }));
  router.use((req: Request, res: Response, next: NextFunction) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') return next();
    noCache(res);
    res.sendFile(join(uiDir, 'index.html'), { cacheControl: false }, (error) => {
      if (error && !res.headersSent) next(error);
    });
  });
  return router;
}
