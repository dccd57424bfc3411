module.exports = [
  'strapi::logger',
  'strapi::errors',
  'strapi::security',
  'strapi::cors',
  'strapi::poweredBy',
  'strapi::query',
  // Documents can be large (a whole catalog): allow bodies up to 10 MB.
  { name: 'strapi::body', config: { jsonLimit: '10mb', formLimit: '10mb', textLimit: '10mb' } },
  'strapi::session',
  'strapi::favicon',
  'strapi::public',
];
