// Request logs (level "http") would print one line per synced document: log "info" and above
// unless STRAPI_LOG_LEVEL says otherwise.
const { winston, formats: { prettyPrint } } = require('@strapi/logger');

module.exports = {
  transports: [
    new winston.transports.Console({
      level: process.env.STRAPI_LOG_LEVEL || 'info',
      format: winston.format.combine(prettyPrint({ timestamps: 'YYYY-MM-DD hh:mm:ss.SSS' })),
    }),
  ],
};
