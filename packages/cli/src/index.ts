export { main } from './main.js';
export { resolveConnection, type Connection } from './connection.js';
