/** What an HTML postmortem page says about itself. */
export interface ExtractedArticle {
  title: string | null;
  /** YYYY-MM-DD (or as precise as the page says), from meta tags, JSON-LD or <time>. */
  published: string | null;
  /** The page's own short description (meta description / og:description). */
  description: string | null;
  /** The main content as plain text, one block per line, without navigation, footers or scripts. */
  text: string;
}

// Never part of the article: page chrome, code that runs, embedded media.
const CHROME = 'script, style, noscript, template, nav, footer, header, aside, form, iframe, svg, button, [role="navigation"], [role="banner"], [role="contentinfo"], [aria-hidden="true"], .comments, #comments, .sidebar, .share, .social, .related';
// Where blogs put the article, most specific first.
const CONTAINERS = ['article', '[itemprop="articleBody"]', '.post-content', '.entry-content', '.article-content', '.post-body', 'main', '[role="main"]', '.post', '#content', 'body'];
const BLOCKS = 'h1, h2, h3, h4, h5, h6, p, li, pre, blockquote, td, figcaption';

/** Extracts title, date, description and main text from an HTML page (malformed HTML is tolerated). */
export async function extractArticle(html: string): Promise<ExtractedArticle> {
  const cheerio = await import('cheerio');
  const $ = cheerio.load(html);
  const meta = (selector: string) => $(selector).first().attr('content')?.trim() || null;

  const ld = jsonLdObjects($('script[type="application/ld+json"]').map((_, el) => $(el).text()).get());
  const ldArticle = ld.find((o) => typeof o.datePublished === 'string' || typeof o.headline === 'string');

  const published = normalizeDate(
    meta('meta[property="article:published_time"]') ??
      meta('meta[name="article:published_time"]') ??
      meta('meta[itemprop="datePublished"]') ??
      meta('meta[name="date"]') ??
      meta('meta[name="DC.date.issued"]') ??
      (typeof ldArticle?.datePublished === 'string' ? ldArticle.datePublished : null) ??
      $('article time[datetime], time[datetime]').first().attr('datetime') ??
      null,
  );
  const title =
    meta('meta[property="og:title"]') ??
    (typeof ldArticle?.headline === 'string' ? ldArticle.headline.trim() : null) ??
    ($('h1').first().text().replace(/\s+/g, ' ').trim() || null) ??
    ($('title').first().text().replace(/\s+/g, ' ').trim() || null);
  const description = meta('meta[name="description"]') ?? meta('meta[property="og:description"]');

  $(CHROME).remove();
  const container = CONTAINERS.map((s) => $(s).first()).find((c) => c.length > 0 && c.text().trim().length > 0);
  const blocks: string[] = [];
  if (container) {
    const found = container.find(BLOCKS);
    // Nested blocks (a <p> in an <li>) would repeat text: keep only innermost-first outer blocks.
    found.each((_, el) => {
      if ($(el).parentsUntil(container.get(0) as Parameters<typeof container.parentsUntil>[0], BLOCKS).length > 0) return;
      const text = $(el).text().replace(/\s+/g, ' ').trim();
      if (text) blocks.push(text);
    });
    if (blocks.length === 0) blocks.push(container.text().replace(/\s+/g, ' ').trim());
  }
  return { title, published, description, text: blocks.join('\n') };
}

/** Objects of JSON-LD blocks, flattening arrays and @graph; blocks that do not parse are ignored. */
function jsonLdObjects(blocks: string[]): Array<Record<string, unknown>> {
  const out: Array<Record<string, unknown>> = [];
  const visit = (value: unknown) => {
    if (Array.isArray(value)) value.forEach(visit);
    else if (value && typeof value === 'object') {
      out.push(value as Record<string, unknown>);
      const graph = (value as Record<string, unknown>)['@graph'];
      if (graph) visit(graph);
    }
  };
  for (const block of blocks) {
    try {
      visit(JSON.parse(block));
    } catch {
      // Hand-written JSON-LD is often invalid; the page's other metadata still counts.
    }
  }
  return out;
}

/** "2019-07-24T08:00:00+02:00" -> "2019-07-24"; "July 24, 2019" -> "2019-07-24"; unparseable -> null. */
export function normalizeDate(value: string | null): string | null {
  if (!value) return null;
  const iso = /^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?/.exec(value.trim());
  if (iso) return [iso[1], iso[2], iso[3]].filter(Boolean).join('-');
  const parsed = Date.parse(value);
  return Number.isNaN(parsed) ? null : new Date(parsed).toISOString().slice(0, 10);
}
