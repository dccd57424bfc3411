'use strict';

// Thin HTTP layer over the sync service: validates the request, maps outcomes to status codes.
// 400: malformed request (names the field); 404: no such document; 409: version mismatch, with
// the current version in error.details.current.

const service = () => strapi.service('api::document.sync');

function bad(ctx, field, message) {
  ctx.status = 400;
  ctx.body = { error: { status: 400, name: 'ValidationError', message: `${field}: ${message}`, details: { field } } };
}

function expectedOf(body) {
  const expected = body.expected;
  if (expected === undefined || expected === null) return { ok: true, value: null };
  const n = typeof expected === 'number' ? expected : Number.parseInt(String(expected), 10);
  if (!Number.isSafeInteger(n) || n < 0 || String(n) !== String(expected).trim()) return { ok: false };
  return { ok: true, value: n };
}

function send(ctx, outcome) {
  ctx.status = outcome.status;
  ctx.body = outcome.body;
}

module.exports = {
  async changes(ctx) {
    const since = ctx.query.since === undefined || ctx.query.since === '' ? 0 : Number.parseInt(ctx.query.since, 10);
    const limit = ctx.query.limit === undefined ? 100 : Number.parseInt(ctx.query.limit, 10);
    if (!Number.isSafeInteger(since) || since < 0) return bad(ctx, 'since', 'must be a cursor (a non-negative integer)');
    if (!Number.isSafeInteger(limit) || limit < 1 || limit > 1000) return bad(ctx, 'limit', 'must be 1..1000');
    ctx.body = await service().changes(since, limit);
  },

  async read(ctx) {
    const path = ctx.query.path;
    if (typeof path !== 'string' || path === '') return bad(ctx, 'path', 'is required');
    const doc = await service().read(path);
    if (!doc) {
      ctx.status = 404;
      ctx.body = { error: { status: 404, name: 'NotFoundError', message: `no document ${path}`, details: { path } } };
      return;
    }
    ctx.body = doc;
  },

  async put(ctx) {
    const body = ctx.request.body || {};
    if (typeof body.path !== 'string' || body.path === '') return bad(ctx, 'path', 'is required (a string)');
    if (typeof body.content !== 'string') return bad(ctx, 'content', 'is required (a string)');
    if (typeof body.key !== 'string' || body.key === '') return bad(ctx, 'key', 'is required (the idempotency key)');
    const expected = expectedOf(body);
    if (!expected.ok) return bad(ctx, 'expected', 'must be a version (a non-negative integer) or null');
    const author = typeof body.author === 'string' && body.author !== '' ? body.author : 'vantage';
    send(ctx, await service().put(body.path, body.content, expected.value, body.key, author));
  },

  async remove(ctx) {
    const body = ctx.request.body || {};
    if (typeof body.path !== 'string' || body.path === '') return bad(ctx, 'path', 'is required (a string)');
    if (typeof body.key !== 'string' || body.key === '') return bad(ctx, 'key', 'is required (the idempotency key)');
    const expected = expectedOf(body);
    if (!expected.ok || expected.value === null) return bad(ctx, 'expected', 'must be a version (a non-negative integer)');
    const author = typeof body.author === 'string' && body.author !== '' ? body.author : 'vantage';
    send(ctx, await service().remove(body.path, expected.value, body.key, author));
  },

  async publish(ctx) {
    const body = ctx.request.body || {};
    if (typeof body.hash !== 'string' || body.hash === '') return bad(ctx, 'hash', 'is required (a string)');
    if (typeof body.key !== 'string' || body.key === '') return bad(ctx, 'key', 'is required (the idempotency key)');
    const author = typeof body.author === 'string' && body.author !== '' ? body.author : 'vantage';
    send(ctx, await service().publish(body.hash, body.key, author));
  },

  // The head of a workspace's audit log (entry number and SHA-256 hash), recorded with each
  // sync so that a log cut or rewritten on the laptop no longer matches. Append-only.
  async anchor(ctx) {
    const body = ctx.request.body || {};
    if (!validWorkspace(body.workspace)) return bad(ctx, 'workspace', 'is required (1 to 200 characters)');
    if (!Number.isSafeInteger(body.seq) || body.seq < 1) return bad(ctx, 'seq', 'must be an entry number (a positive integer)');
    if (typeof body.hash !== 'string' || !/^[0-9a-f]{64}$/.test(body.hash)) return bad(ctx, 'hash', 'must be a SHA-256 hash (64 hex digits)');
    send(ctx, await service().anchor(body.workspace, body.seq, body.hash));
  },

  async anchors(ctx) {
    const workspace = ctx.query.workspace;
    if (!validWorkspace(workspace)) return bad(ctx, 'workspace', 'is required (1 to 200 characters)');
    ctx.body = { anchors: await service().anchors(workspace) };
  },
};

function validWorkspace(workspace) {
  return typeof workspace === 'string' && workspace.length >= 1 && workspace.length <= 200;
}
