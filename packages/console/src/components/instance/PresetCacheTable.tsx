import { usePresets } from '../../api/presets.js';
import { ErrorNotice } from '../ErrorNotice.js';
import { PRESET_CACHE_WORDS } from '../../lib/presetCache.js';

/** Each preset's dependencies in the shared cache: what the first app of a preset will wait for. */
export function PresetCacheTable() {
  const presets = usePresets({ fresh: true });
  if (presets.isPending) return <p role="status">Reading the preset caches…</p>;
  if (presets.isError) {
    return <ErrorNotice error={presets.error} title="Could not read the preset caches" />;
  }
  return (
    <div className="table-scroll" tabIndex={0} role="region" aria-label="Preset caches">
      <table className="table" data-testid="preset-cache-table">
        <caption className="table-caption">Preset caches</caption>
        <thead>
          <tr>
            <th scope="col">Preset</th>
            <th scope="col">Dependencies</th>
          </tr>
        </thead>
        <tbody>
          {presets.data.map((p) => (
            <tr key={p.name} data-preset={p.name} data-state={p.dependencies}>
              <th scope="row">{p.title}</th>
              <td>{PRESET_CACHE_WORDS[p.dependencies]}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
