// The locale the entry editor shows, kept while moving from entry to entry (a translator goes
// through many entries in one language). null: the default locale, whose texts are the content.
export const localeChoice = $state<{ code: string | null }>({ code: null });
