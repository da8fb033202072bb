// The app name an import suggests when none is typed: the repository's or the archive's name.

const NAME_MAX = 64;

function tidy(name: string): string {
  return name.trim().slice(0, NAME_MAX);
}

/** `https://host/owner/my-site.git` → `my-site`. */
export function nameFromGitUrl(url: string): string {
  const last = url.trim().replace(/\/+$/, '').split('/').pop() ?? '';
  return tidy(last.replace(/\.git$/i, ''));
}

/** `my-site.tar.gz` → `my-site`. */
export function nameFromFileName(fileName: string): string {
  return tidy(fileName.replace(/\.(tar\.gz|tgz|tar|zip)$/i, ''));
}

export { NAME_MAX };
