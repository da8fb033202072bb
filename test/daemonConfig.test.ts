/**
 * The daemon's environment, read once at start: the default sandbox limits an admin may set
 * (every app's sandbox gets them) stay between the boot floor and the admin-set ceiling.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { loadConfig } from '@paddock/daemon';
import { DEFAULT_LIMITS } from '@paddock/shared';

describe('default sandbox limits from the environment', () => {
  it('are the built-in defaults when unset', () => {
    assert.deepEqual(loadConfig({}).defaultLimits, DEFAULT_LIMITS);
  });

  it('take PADDOCK_DEFAULT_* within the ceiling', () => {
    const config = loadConfig({
      PADDOCK_DEFAULT_MEMORY_MB: '256',
      PADDOCK_DEFAULT_PIDS: '128',
      PADDOCK_DEFAULT_CPUS: '2',
      PADDOCK_DEFAULT_DISK_MB: '512',
    });
    assert.deepEqual(config.defaultLimits, { memory_mb: 256, pids: 128, cpus: 2, disk_mb: 512 });
  });

  it('follow a ceiling lowered below the built-in default', () => {
    const config = loadConfig({ PADDOCK_MAX_DISK_MB: '1024', PADDOCK_MAX_MEMORY_MB: '512' });
    assert.equal(config.defaultLimits.disk_mb, 1024);
    assert.equal(config.defaultLimits.memory_mb, 512);
  });

  it('refuse a default above the ceiling, below the floor, or not a whole number', () => {
    for (const env of [
      { PADDOCK_MAX_DISK_MB: '1024', PADDOCK_DEFAULT_DISK_MB: '2048' },
      { PADDOCK_DEFAULT_MEMORY_MB: '32' },
      { PADDOCK_DEFAULT_CPUS: '0.5' },
      { PADDOCK_DEFAULT_PIDS: 'many' },
    ]) {
      assert.throws(() => loadConfig(env), /must be an integer from/, JSON.stringify(env));
    }
  });
});
