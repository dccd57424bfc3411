// The sync API Vantage talks to (content API, under /api). People sign in with their own Strapi
// account (users-permissions, a Vantage role); an API token with these actions may read only.
// See services/sync.js and services/review.js for the semantics.
module.exports = {
  routes: [
    { method: 'GET', path: '/vantage/changes', handler: 'sync.changes', config: { middlewares: [] } },
    { method: 'GET', path: '/vantage/document', handler: 'sync.read', config: { middlewares: [] } },
    { method: 'PUT', path: '/vantage/document', handler: 'sync.put', config: { middlewares: [] } },
    { method: 'POST', path: '/vantage/document/delete', handler: 'sync.remove', config: { middlewares: [] } },
    { method: 'POST', path: '/vantage/releases', handler: 'sync.publish', config: { middlewares: [] } },
    { method: 'POST', path: '/vantage/audit-anchors', handler: 'sync.anchor', config: { middlewares: [] } },
    { method: 'GET', path: '/vantage/audit-anchors', handler: 'sync.anchors', config: { middlewares: [] } },
    { method: 'GET', path: '/vantage/me', handler: 'sync.me', config: { middlewares: [] } },
    { method: 'POST', path: '/vantage/proposals', handler: 'sync.submit', config: { middlewares: [] } },
    { method: 'POST', path: '/vantage/proposals/approve', handler: 'sync.approve', config: { middlewares: [] } },
    { method: 'GET', path: '/vantage/proposal', handler: 'sync.proposal', config: { middlewares: [] } },
  ],
};
