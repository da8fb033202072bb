export {
  AppSessions,
  APP_SESSION_TTL_SECONDS,
  credentialBinding,
  type AppSessionClaims,
} from './appSessions.js';
