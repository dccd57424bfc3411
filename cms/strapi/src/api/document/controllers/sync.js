'use strict';

// Thin HTTP layer over the sync service: validates the request, maps outcomes to status codes.
// 400: malformed request (names the field); 404: no such document; 409: version mismatch, with
// the current version in error.details.current.

const service = () => strapi.service('api::document.sync');
const review = () => strapi.service('api::document.review');

// Writes are made by a signed-in person; who that is comes from their credential, never from
// the request body (an "author" field, if sent, is ignored).
function signedIn(ctx) {
  const who = review().person(ctx);
  if (who && who.role) return who;
  ctx.status = 403;
  const message = who
    ? `${who.name} has no Vantage role on this CMS: a Strapi admin gives them one (Vantage marketer, QA, reviewer or admin)`
    : 'sign in as a person (vantage login): an API token names nobody, so it may only read';
  ctx.body = { error: { status: 403, name: 'ForbiddenError', message, details: {} } };
  return null;
}

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
    const who = signedIn(ctx);
    if (!who) return;
    send(ctx, await service().put(body.path, body.content, expected.value, body.key, who, body.warrant));
  },

  async remove(ctx) {
    const body = ctx.request.body || {};
    if (typeof body.path !== 'string' || body.path === '') return bad(ctx, 'path', 'is required (a string)');
    if (typeof body.key !== 'string' || body.key === '') return bad(ctx, 'key', 'is required (the idempotency key)');
    const expected = expectedOf(body);
    if (!expected.ok || expected.value === null) return bad(ctx, 'expected', 'must be a version (a non-negative integer)');
    const who = signedIn(ctx);
    if (!who) return;
    send(ctx, await service().remove(body.path, expected.value, body.key, who, body.warrant));
  },

  async publish(ctx) {
    const body = ctx.request.body || {};
    if (typeof body.hash !== 'string' || body.hash === '') return bad(ctx, 'hash', 'is required (a string)');
    if (typeof body.key !== 'string' || body.key === '') return bad(ctx, 'key', 'is required (the idempotency key)');
    const who = signedIn(ctx);
    if (!who) return;
    send(ctx, await service().publish(body.hash, body.key, who, body.warrant));
  },

  // The head of a workspace's audit log (entry number and SHA-256 hash), recorded with each
  // sync so that a log cut or rewritten on the laptop no longer matches. Append-only.
  async anchor(ctx) {
    if (!signedIn(ctx)) return;
    const body = ctx.request.body || {};
    if (!validWorkspace(body.workspace)) return bad(ctx, 'workspace', 'is required (1 to 200 characters)');
    if (!Number.isSafeInteger(body.seq) || body.seq < 1) return bad(ctx, 'seq', 'must be an entry number (a positive integer)');
    if (typeof body.hash !== 'string' || !/^[0-9a-f]{64}$/.test(body.hash)) return bad(ctx, 'hash', 'must be a SHA-256 hash (64 hex digits)');
    send(ctx, await service().anchor(body.workspace, body.seq, body.hash));
  },

  // Who the credential belongs to and their Vantage role: what the app shows as signed in.
  async me(ctx) {
    const who = review().person(ctx);
    if (!who) return bad(ctx, 'credential', 'is an API token, which names no person');
    ctx.body = { username: who.name, role: who.role };
  },

  async submit(ctx) {
    const who = signedIn(ctx);
    if (!who) return;
    const body = ctx.request.body || {};
    if (!validWorkspace(body.workspace)) return bad(ctx, 'workspace', 'is required (1 to 200 characters)');
    if (!Number.isSafeInteger(body.change_set) || body.change_set < 1) return bad(ctx, 'change_set', 'must be a change set number');
    const changes = body.changes;
    if (!changes || typeof changes !== 'object' || Array.isArray(changes)) return bad(ctx, 'changes', 'must map each path to a SHA-256 or null');
    const paths = Object.keys(changes);
    if (paths.length === 0 || paths.length > 10000) return bad(ctx, 'changes', 'must name 1 to 10000 documents');
    for (const path of paths) {
      const sha = changes[path];
      if (path.length > 512 || !(sha === null || (typeof sha === 'string' && /^[0-9a-f]{64}$/.test(sha)))) {
        return bad(ctx, 'changes', `${path.slice(0, 80)}: must map to a SHA-256 (64 hex digits) or null`);
      }
    }
    send(ctx, await review().submit(who, body.workspace, body.change_set, changes, body.from_cms === true));
  },

  async approve(ctx) {
    const who = signedIn(ctx);
    if (!who) return;
    const body = ctx.request.body || {};
    if (!validWorkspace(body.workspace)) return bad(ctx, 'workspace', 'is required (1 to 200 characters)');
    if (!Number.isSafeInteger(body.change_set) || body.change_set < 1) return bad(ctx, 'change_set', 'must be a change set number');
    if (typeof body.hash !== 'string' || !/^[0-9a-f]{64}$/.test(body.hash)) return bad(ctx, 'hash', 'must be the proposal hash you reviewed');
    send(ctx, await review().approve(who, body.workspace, body.change_set, body.hash));
  },

  async proposal(ctx) {
    const workspace = ctx.query.workspace;
    const changeSet = Number.parseInt(ctx.query.change_set, 10);
    if (!validWorkspace(workspace)) return bad(ctx, 'workspace', 'is required (1 to 200 characters)');
    if (!Number.isSafeInteger(changeSet) || changeSet < 1) return bad(ctx, 'change_set', 'must be a change set number');
    const found = await review().proposal(workspace, changeSet);
    if (!found) {
      ctx.status = 404;
      ctx.body = { error: { status: 404, name: 'NotFoundError', message: `change set ${changeSet} was never submitted here`, details: {} } };
      return;
    }
    ctx.body = found;
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
