// Loopback only by default: this Strapi is the CMS Vantage syncs with in tests and development.
module.exports = ({ env }) => ({
  host: env('HOST', '127.0.0.1'),
  port: env.int('PORT', 1337),
  app: { keys: env.array('APP_KEYS') },
});
