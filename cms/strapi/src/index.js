'use strict';

const UID = 'api::document.document';

// Every route of the sync API (routes/sync.js): each Vantage role may call them, and the
// controller decides per request what the person's role allows.
const SYNC_ACTIONS = ['changes', 'read', 'put', 'remove', 'publish', 'anchor', 'anchors', 'me', 'submit', 'approve', 'proposal'].map(
  (a) => `api::document.sync.${a}`,
);

// Who is editing in Strapi itself (the admin panel), for the changes feed's author.
function editor(strapi) {
  const ctx = strapi.requestContext.get();
  const user = ctx && ctx.state && ctx.state.user;
  if (!user) return 'strapi';
  return user.email || [user.firstname, user.lastname].filter(Boolean).join(' ') || `strapi-user-${user.id}`;
}

async function nextSeq(strapi) {
  // strapi.db.query joins the transaction the document service runs in.
  const [top] = await strapi.db.query(UID).findMany({ select: ['seq'], orderBy: { seq: 'desc' }, limit: 1 });
  return Number((top && top.seq) || 0) + 1;
}

module.exports = {
  register() {},

  async bootstrap({ strapi }) {
    // The receipts table for idempotency keys and the unique indexes (see services/sync.js).
    await strapi.service('api::document.sync').ensureTables();
    await strapi.service('api::document.review').ensureTables();
    await strapi.service('api::document.review').ensureRoles(SYNC_ACTIONS);

    // Edits made in Strapi itself (admin panel, document service) keep the sync rules: every
    // write bumps the version and takes the next sequence number, so Vantage sees it in the
    // changes feed and a Vantage write based on the old version is refused. (The sync API
    // writes with SQL and does not pass through here.)
    strapi.db.lifecycles.subscribe({
      models: [UID],
      async beforeCreate(event) {
        const data = event.params.data;
        data.version = 1;
        data.seq = await nextSeq(strapi);
        data.deleted = Boolean(data.deleted);
        if (data.deleted) data.content = null;
        data.author = editor(strapi);
      },
      async beforeUpdate(event) {
        const data = event.params.data;
        const current = await strapi.db.query(UID).findOne({ where: event.params.where, select: ['version'] });
        data.version = Number((current && current.version) || 0) + 1;
        data.seq = await nextSeq(strapi);
        if (data.deleted) data.content = null;
        data.author = editor(strapi);
      },
      async beforeDelete() {
        const { errors } = require('@strapi/utils');
        throw new errors.ApplicationError('Vantage documents are not deleted here: tick "deleted" instead, so that Vantage hears of it');
      },
    });
  },
};
