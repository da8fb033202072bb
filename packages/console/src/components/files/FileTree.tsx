import { useState } from 'react';
import { errorMessage } from '../../api/client.js';
import { useDirectory, type FileStat } from '../../api/files.js';

/** Directories that are shown but never opened by themselves: big and rarely edited by hand. */
const HEAVY_DIRS = new Set(['node_modules', '.git']);

interface FileTreeProps {
  sandboxId: string;
  /** The file open in the editor, marked in the tree. */
  openPath: string | null;
  onOpenFile: (path: string) => void;
}

/**
 * The workspace as a tree of nested lists. A directory is listed only once expanded, and only
 * the expanded ones are kept fresh (the watch invalidates their listings).
 */
export function FileTree({ sandboxId, openPath, onOpenFile }: FileTreeProps) {
  const [expanded, setExpanded] = useState<ReadonlySet<string>>(() => new Set());
  const toggle = (path: string) =>
    setExpanded((now) => {
      const next = new Set(now);
      if (next.has(path)) next.delete(path);
      else next.add(path);
      return next;
    });
  return (
    <nav className="file-tree" aria-label="Workspace files" data-testid="file-tree">
      <DirectoryEntries
        sandboxId={sandboxId}
        dir="."
        depth={0}
        expanded={expanded}
        onToggle={toggle}
        openPath={openPath}
        onOpenFile={onOpenFile}
      />
    </nav>
  );
}

interface DirectoryEntriesProps extends FileTreeProps {
  dir: string;
  depth: number;
  expanded: ReadonlySet<string>;
  onToggle: (path: string) => void;
}

function DirectoryEntries(props: DirectoryEntriesProps) {
  const { sandboxId, dir, depth } = props;
  const listing = useDirectory(sandboxId, dir);
  if (listing.isPending) {
    return (
      <p className="file-tree-note muted small" role="status">
        Listing {dir === '.' ? 'the workspace' : dir}…
      </p>
    );
  }
  if (listing.isError) {
    return (
      <p className="file-tree-note small notice-error" role="alert">
        Could not list {dir === '.' ? 'the workspace' : dir}: {errorMessage(listing.error)}{' '}
        <button type="button" className="button-quiet" onClick={() => void listing.refetch()}>
          Try again
        </button>
      </p>
    );
  }
  const { entries, truncated } = listing.data;
  if (entries.length === 0) {
    return (
      <p className="file-tree-note muted small">
        {depth === 0 ? 'The workspace is empty: create a file to start.' : 'Empty folder'}
      </p>
    );
  }
  return (
    <ul className="file-tree-list" role="list">
      {entries.map((entry) => (
        <TreeEntry key={entry.path} entry={entry} {...props} />
      ))}
      {truncated && (
        <li className="file-tree-note muted small">Only the first entries are listed.</li>
      )}
    </ul>
  );
}

function TreeEntry({ entry, ...props }: DirectoryEntriesProps & { entry: FileStat }) {
  const { depth, expanded, onToggle, openPath, onOpenFile } = props;
  const indent = { paddingInlineStart: `${0.5 + depth * 0.9}rem` };
  if (entry.type === 'directory') {
    const isOpen = expanded.has(entry.path);
    const heavy = HEAVY_DIRS.has(entry.name);
    return (
      <li>
        <button
          type="button"
          className={`file-tree-item file-tree-dir${heavy ? ' file-tree-heavy' : ''}`}
          style={indent}
          aria-expanded={isOpen}
          data-path={entry.path}
          onClick={() => onToggle(entry.path)}
        >
          <span className="file-tree-caret" aria-hidden="true">
            {isOpen ? '▾' : '▸'}
          </span>
          {entry.name}
          {heavy && !isOpen && <span className="muted small"> (collapsed)</span>}
        </button>
        {isOpen && <DirectoryEntries {...props} dir={entry.path} depth={depth + 1} />}
      </li>
    );
  }
  const isCurrent = entry.path === openPath;
  return (
    <li>
      <button
        type="button"
        className="file-tree-item file-tree-file"
        style={indent}
        aria-current={isCurrent ? 'true' : undefined}
        data-path={entry.path}
        title={entry.type === 'symlink' ? `link to ${entry.link_target ?? '?'}` : entry.path}
        onClick={() => onOpenFile(entry.path)}
      >
        <span className="file-tree-caret" aria-hidden="true" />
        {entry.name}
        {entry.type === 'symlink' && <span className="muted small"> →</span>}
      </button>
    </li>
  );
}
