// The sync API Vantage talks to (content API, under /api; an API token with these actions is
// required). See services/sync.js for the semantics.
module.exports = {
  routes: [
    { method: 'GET', path: '/vantage/changes', handler: 'sync.changes', config: { middlewares: [] } },
    { method: 'GET', path: '/vantage/document', handler: 'sync.read', config: { middlewares: [] } },
    { method: 'PUT', path: '/vantage/document', handler: 'sync.put', config: { middlewares: [] } },
    { method: 'POST', path: '/vantage/document/delete', handler: 'sync.remove', config: { middlewares: [] } },
    { method: 'POST', path: '/vantage/releases', handler: 'sync.publish', config: { middlewares: [] } },
    { method: 'POST', path: '/vantage/audit-anchors', handler: 'sync.anchor', config: { middlewares: [] } },
    { method: 'GET', path: '/vantage/audit-anchors', handler: 'sync.anchors', config: { middlewares: [] } },
  ],
};
