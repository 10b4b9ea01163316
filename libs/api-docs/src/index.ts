export {
  ADMIN_TOKEN_AUTH,
  API_KEY_AUTH,
  ApiErrors,
  type ErrorCase,
  errorResponse,
  HTTP_ERROR_REF,
  HTTP_ERROR_SCHEMA,
  INTERNAL_ERROR_CASE,
} from './api-docs.decorators.js';
