import type { FastifyBaseLogger } from 'fastify';
import { getPreset, type DependencyCache } from '@paddock/presets';
import { PaddockError, type WorkspaceMount } from '@paddock/shared';

export interface PresetDependencies {
  mounts: WorkspaceMount[];
  /** `installed`: this call ran `npm ci`; `cached`: the shared cache had it; `none`: no npm. */
  source: 'installed' | 'cached' | 'none';
  ms: number;
}

/**
 * A preset's dependencies as mounts of the shared cache (with a writable layer of the app's own
 * over it), built into the shared cache on first use.
 */
export class PresetMounts {
  constructor(
    private readonly cache: DependencyCache,
    private readonly log: FastifyBaseLogger,
  ) {}

  /** The dependency cache as the app's `node_modules`, built on first use of the preset. */
  async mountsFor(presetName: string | null): Promise<WorkspaceMount[]> {
    return (await this.dependencies(presetName)).mounts;
  }

  /** The preset's dependencies: its mounts, and whether this call had to install them. */
  async dependencies(presetName: string | null): Promise<PresetDependencies> {
    const preset = presetName === null ? undefined : getPreset(presetName);
    if (preset?.dependencies !== 'npm') return { mounts: [], source: 'none', ms: 0 };
    try {
      const { nodeModules, built, ms } = await this.cache.ensure(preset.name);
      if (built) this.log.info({ preset: preset.name, ms }, 'installed preset dependencies');
      return {
        // Writable: the app's own layer over the shared cache, so npm install works (ADR 0016).
        mounts: [{ source: nodeModules, name: 'node_modules', writable: true }],
        source: built ? 'installed' : 'cached',
        ms: Math.round(ms),
      };
    } catch (err) {
      this.log.error({ err, preset: preset.name }, 'building the dependency cache failed');
      throw new PaddockError(
        'dependency_install_failed',
        `installing the ${preset.name} dependencies failed: ${err instanceof Error ? err.message : String(err)}`,
      );
    }
  }
}
