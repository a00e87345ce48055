import { useBaseurl } from '@myst-theme/providers';

// The course's book (not in myst-theme): one site per language, built with BASE_URL=<root>/<lang>
// (tools/book.py). Each page links to the same page of the other editions: a plain <a>, so that the
// browser loads the other site's page (Remix's client router only knows the site it came with).
const LANGUAGES: [string, string][] = [
  ['en', 'English'],
  ['zh', '中文'],
];

export function LanguageSwitch({ slug, index }: { slug?: string; index?: string }) {
  const baseurl = useBaseurl() ?? '';
  const parts = baseurl.split('/');
  const current = parts.pop();
  const root = parts.join('/');
  if (!LANGUAGES.some(([lang]) => lang === current)) return null;
  const path = !slug || slug === index ? '/' : `/${slug.replace(/\./g, '/')}/`;
  return (
    <nav
      aria-label="Language · 语言"
      className="col-body"
      data-language-switch=""
      style={{ display: 'flex', justifyContent: 'flex-end', gap: '0.75rem', fontSize: '0.9rem' }}
    >
      {LANGUAGES.map(([lang, name]) =>
        lang === current ? (
          <strong key={lang} lang={lang} aria-current="page">
            {name}
          </strong>
        ) : (
          <a key={lang} lang={lang} hrefLang={lang} href={`${root}/${lang}${path}`}>
            {name}
          </a>
        ),
      )}
    </nav>
  );
}
