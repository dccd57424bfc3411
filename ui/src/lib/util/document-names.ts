// Workspace documents in words a marketer reads, instead of file paths: "the Hero's look
// (template)" rather than components/hero/template.html. A path outside the known kinds (what a
// hostile CMS might send) is quoted as it is, so nothing is hidden.

function words(id: string): string {
  const spaced = id.replace(/[-_]+/g, ' ').trim();
  return spaced.charAt(0).toUpperCase() + spaced.slice(1);
}

export function describeDocument(path: string): string {
  const component = /^components\/([^/]+)\/(template\.html|component\.json)$/.exec(path);
  if (component) {
    return component[2] === 'template.html'
      ? `how the ${words(component[1])} component looks (its template)`
      : `the fields of the ${words(component[1])} component`;
  }
  if (path === 'theme.css') return 'the theme (colours and type)';
  const kinds: [RegExp, string][] = [
    [/^entries\/([^/]+)\.json$/, 'the content'],
    [/^pages\/([^/]+)\.json$/, 'the page'],
    [/^profiles\/([^/]+)\.json$/, 'the visitor profile'],
  ];
  for (const [pattern, kind] of kinds) {
    const m = pattern.exec(path);
    if (m) return `${kind} “${words(m[1])}”`;
  }
  const named: Record<string, string> = {
    'audiences.json': 'the audiences',
    'experiments.json': 'the experiments',
    'catalog.json': 'the attribute catalog',
    'vantage.json': 'the workspace settings',
  };
  return named[path] ?? `a file named “${path}”`;
}
