export {
  MasterKeyError,
  keyFile,
  keyId,
  loadMasterKey,
  parseKey,
  writeKeyFile,
  type MasterKey,
} from './masterKey.js';
export { open, seal, sealedKeyId, type OpenResult } from './secretBox.js';
export { readOrCreateSecretFile, stateKey } from './keyFile.js';
