import { SourceError } from '../core/errors.js';
import type { SourceContext } from './source.js';

/** One entry of a GitHub contents listing (GET /repos/{owner}/{repo}/contents/{path}). */
export interface GitHubContentsEntry {
  name: string;
  type: 'file' | 'dir' | 'symlink' | 'submodule';
  downloadUrl: string | null;
}

/** Lists a repository folder through the GitHub contents API, sorted by name. */
export async function listGitHubFolder(ctx: SourceContext, listUrl: string): Promise<GitHubContentsEntry[]> {
  const response = await (await ctx.http()).get(listUrl, { headers: { accept: 'application/vnd.github+json' } });
  let listing: unknown;
  try {
    listing = JSON.parse(response.text);
  } catch (cause) {
    throw new SourceError(`${listUrl}: the contents listing is not JSON`, { cause });
  }
  if (!Array.isArray(listing)) throw new SourceError(`${listUrl}: expected a folder listing (a JSON array)`);
  return (listing as Array<{ name: string; type: GitHubContentsEntry['type']; download_url: string | null }>)
    .map((e) => ({ name: e.name, type: e.type, downloadUrl: e.download_url ?? null }))
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}
