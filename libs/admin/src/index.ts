export { AdminTokenGuard } from './admin-token.guard.js';
export { ADMIN_PATH, adminUiRouter, defaultAdminUiDir } from './admin-ui.js';
export { ADMIN_UI_DIR, AdminModule, type AdminModuleOptions } from './admin.module.js';
