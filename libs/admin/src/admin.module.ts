import { type DynamicModule, Inject, Logger, Module, type OnModuleInit, Optional } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { ADMIN_PATH, adminUiRouter, defaultAdminUiDir } from './admin-ui.js';

export interface AdminModuleOptions {
  /** The Vite build of admin-ui/ to serve. Default: admin-ui/dist of this checkout. */
  uiDir?: string;
}

export const ADMIN_UI_DIR = Symbol('SWITCHBOARD_ADMIN_UI_DIR');

/**
 * Serves the admin dashboard (admin-ui/, built by `npm run build`) at /admin on every
 * node. Its data comes from the cluster API, which AdminTokenGuard protects.
 *
 * Import it as `AdminModule` (serves admin-ui/dist) or `AdminModule.forRoot({ uiDir })`.
 */
@Module({})
export class AdminModule implements OnModuleInit {
  private readonly logger = new Logger(AdminModule.name);
  private readonly uiDir: string;

  constructor(
    private readonly adapterHost: HttpAdapterHost,
    @Optional() @Inject(ADMIN_UI_DIR) uiDir?: string,
  ) {
    this.uiDir = uiDir ?? defaultAdminUiDir();
  }

  static forRoot(options: AdminModuleOptions = {}): DynamicModule {
    return {
      module: AdminModule,
      providers: [{ provide: ADMIN_UI_DIR, useValue: options.uiDir ?? defaultAdminUiDir() }],
    };
  }

  /** Runs after the controllers' routes are registered and before Nest's 404 handler, so /admin is reachable. */
  onModuleInit(): void {
    const adapter = this.adapterHost.httpAdapter;
    if (!adapter || adapter.getType() !== 'express') {
      this.logger.warn('the admin dashboard needs the Express platform; /admin is not served');
      return;
    }
    adapter.use(ADMIN_PATH, adminUiRouter(this.uiDir));
    if (!existsSync(join(this.uiDir, 'index.html'))) {
      this.logger.warn(`admin dashboard not built (${this.uiDir} has no index.html): /admin answers 503 until \`npm run build\``);
    }
  }
}
