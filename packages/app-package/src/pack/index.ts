export { packPackage, type PackOptions } from './packPackage.js';
export { signPackageFile } from './signPackageFile.js';
export type { PackResult } from './writePackage.js';
