'use strict';

// Optimistic concurrency, idempotency and a changes feed for Vantage documents.
//
// - Every write runs in one database transaction (SQLite: one connection, so transactions are
//   serialised) and is a compare-and-set: a single conditional UPDATE ... WHERE path = ? AND
//   version = ?; no row changed means the document moved on, and the answer is 409 with the
//   current version.
// - Idempotency: the first successful answer to a key is stored (vantage_receipts) in the same
//   transaction as the write; the same key later gets that same answer and writes nothing.
// - Changes feed: every write takes the next value of a monotonic sequence (MAX(seq) + 1 inside
//   the transaction); GET /api/vantage/changes?since=<seq> lists documents whose latest write is
//   after the cursor, in sequence order. Deletions are tombstones (deleted = true, content null).
// - Audit anchors: the head of each workspace's audit log (entry number, hash), append-only. An
//   anchor contradicting what is held (the same entry with another hash, or an entry older than
//   the newest anchor: the log went back) is refused with 409.

const crypto = require('crypto');

const RECEIPTS = 'vantage_receipts';
const ANCHORS = 'vantage_audit_anchors';

function meta(uid) {
  const m = strapi.db.metadata.get(uid);
  const col = (name) => (m.attributes[name] && m.attributes[name].columnName) || name;
  return { table: m.tableName, col };
}

const docs = () => meta('api::document.document');
const review = () => strapi.service('api::document.review');
const releases = () => meta('api::release.release');

function documentId() {
  // Strapi document ids are 24 lowercase alphanumerics.
  return 'v' + crypto.randomBytes(12).toString('hex').slice(0, 23);
}

function row(d, r) {
  if (!r) return null;
  return {
    path: r[d.col('path')],
    version: String(r[d.col('version')]),
    content: r[d.col('deleted')] ? null : r[d.col('content')],
    deleted: Boolean(r[d.col('deleted')]),
    author: r[d.col('author')],
    seq: Number(r[d.col('seq')]),
    updatedAt: r[d.col('updatedAt')] ?? r.updated_at ?? null,
  };
}

// The SHA-256 of a document row's content; null when there is no row or it is deleted.
function shaOf(d, r) {
  if (!r || r[d.col('deleted')] || r[d.col('content')] === null) return null;
  return crypto.createHash('sha256').update(r[d.col('content')], 'utf8').digest('hex');
}

async function nextSeq(trx, d) {
  const r = await trx(d.table).max({ m: d.col('seq') }).first();
  return Number((r && r.m) || 0) + 1;
}

async function receipt(trx, key) {
  const r = await trx(RECEIPTS).where({ key }).first();
  return r ? { status: r.status, body: JSON.parse(r.body) } : null;
}

async function remember(trx, key, outcome) {
  await trx(RECEIPTS).insert({ key, status: outcome.status, body: JSON.stringify(outcome.body), created_at: Date.now() });
  return outcome;
}

function conflictError(message, path, current) {
  return {
    status: 409,
    body: { error: { status: 409, name: 'ConflictError', message, details: { path, current: current === null ? null : String(current) } } },
  };
}

function conflict(path, current) {
  return conflictError(`${path} is at version ${current === null ? 'none (absent)' : current}`, path, current);
}

module.exports = () => ({
  async ensureTables() {
    const knex = strapi.db.connection;
    // Strapi's "unique" is checked by its entity service only; the sync API writes with SQL,
    // so the database enforces it. Created on every start: Strapi's schema sync may drop
    // indexes it does not know.
    const d = docs();
    const r = releases();
    await knex.raw(`CREATE UNIQUE INDEX IF NOT EXISTS vantage_documents_path_uq ON ${d.table} (${d.col('path')})`);
    await knex.raw(`CREATE UNIQUE INDEX IF NOT EXISTS vantage_documents_seq_uq ON ${d.table} (${d.col('seq')})`);
    await knex.raw(`CREATE UNIQUE INDEX IF NOT EXISTS vantage_releases_key_uq ON ${r.table} (${r.col('idempotencyKey')})`);
    if (!(await knex.schema.hasTable(ANCHORS))) {
      await knex.schema.createTable(ANCHORS, (t) => {
        t.string('workspace', 200).notNullable();
        t.bigInteger('seq').notNullable();
        t.string('hash', 64).notNullable();
        t.bigInteger('at').notNullable();
        t.primary(['workspace', 'seq']);
      });
    }
    if (!(await knex.schema.hasTable(RECEIPTS))) {
      await knex.schema.createTable(RECEIPTS, (t) => {
        t.string('key', 512).primary();
        t.integer('status').notNullable();
        t.text('body').notNullable();
        t.bigInteger('created_at').notNullable();
      });
    }
  },

  async changes(since, limit) {
    const d = docs();
    const rows = await strapi.db
      .connection(d.table)
      .where(d.col('seq'), '>', since)
      .orderBy(d.col('seq'), 'asc')
      .limit(limit + 1);
    const more = rows.length > limit;
    const changes = rows.slice(0, limit).map((r) => row(d, r));
    const cursor = changes.length ? changes[changes.length - 1].seq : since;
    return { changes, cursor: String(cursor), more };
  },

  async read(path) {
    const d = docs();
    const r = await strapi.db.connection(d.table).where(d.col('path'), path).first();
    const doc = row(d, r);
    return doc && !doc.deleted ? doc : null;
  },

  // `who` is the signed-in person (the author on record), `warrant` what allows the write (see
  // services/review.js); both are checked inside the writing transaction.
  async put(path, content, expected, key, who, warrant) {
    const d = docs();
    return strapi.db.connection.transaction(async (trx) => {
      const seen = await receipt(trx, key);
      if (seen) return seen;
      const now = Date.now();
      const current = await trx(d.table).where(d.col('path'), path).first();
      const sha = review().sha256(content);
      const held = shaOf(d, current);
      const refused = await review().allows(trx, who, warrant, { path, sha }, held);
      if (refused) return refused;
      if (held !== sha) await review().remember(trx, warrant, path, sha);
      const author = who.name;
      if (!current) {
        if (expected !== null) return conflict(path, null);
        const seq = await nextSeq(trx, d);
        await trx(d.table).insert({
          document_id: documentId(),
          [d.col('path')]: path,
          [d.col('content')]: content,
          [d.col('version')]: 1,
          [d.col('author')]: author,
          [d.col('deleted')]: false,
          [d.col('seq')]: seq,
          created_at: now,
          updated_at: now,
          published_at: now,
        });
        return remember(trx, key, { status: 200, body: { path, version: '1', seq: String(seq) } });
      }
      const version = Number(current[d.col('version')]);
      const deleted = Boolean(current[d.col('deleted')]);
      // Creating over a tombstone needs no expected version; replacing needs the current one.
      const base = expected === null ? (deleted ? version : null) : expected;
      if (base === null || base !== version) return conflict(path, deleted ? null : version);
      const seq = await nextSeq(trx, d);
      const changed = await trx(d.table)
        .where(d.col('path'), path)
        .andWhere(d.col('version'), base)
        .update({
          [d.col('content')]: content,
          [d.col('version')]: base + 1,
          [d.col('author')]: author,
          [d.col('deleted')]: false,
          [d.col('seq')]: seq,
          updated_at: now,
        });
      if (changed !== 1) {
        const again = await trx(d.table).where(d.col('path'), path).first();
        return conflict(path, again ? Number(again[d.col('version')]) : null);
      }
      return remember(trx, key, { status: 200, body: { path, version: String(base + 1), seq: String(seq) } });
    });
  },

  async remove(path, expected, key, who, warrant) {
    const d = docs();
    return strapi.db.connection.transaction(async (trx) => {
      const seen = await receipt(trx, key);
      if (seen) return seen;
      const current = await trx(d.table).where(d.col('path'), path).first();
      const held = shaOf(d, current);
      const refused = await review().allows(trx, who, warrant, { path, sha: null }, held);
      if (refused) return refused;
      if (held !== null) await review().remember(trx, warrant, path, null);
      const author = who.name;
      // Already gone (deleted here too, or never created): the deletion holds, nothing to do.
      if (!current) return { status: 200, body: { path, version: null, deleted: true } };
      const version = Number(current[d.col('version')]);
      if (current[d.col('deleted')]) return { status: 200, body: { path, version: String(version), deleted: true } };
      if (version !== expected) return conflict(path, version);
      const seq = await nextSeq(trx, d);
      const changed = await trx(d.table)
        .where(d.col('path'), path)
        .andWhere(d.col('version'), expected)
        .update({
          [d.col('content')]: null,
          [d.col('version')]: expected + 1,
          [d.col('author')]: author,
          [d.col('deleted')]: true,
          [d.col('seq')]: seq,
          updated_at: Date.now(),
        });
      if (changed !== 1) return conflict(path, version);
      return remember(trx, key, { status: 200, body: { path, version: String(expected + 1), seq: String(seq), deleted: true } });
    });
  },

  async publish(hash, key, who, warrant) {
    const r = releases();
    return strapi.db.connection.transaction(async (trx) => {
      const seen = await receipt(trx, key);
      if (seen) return seen;
      const refused = await review().allows(trx, who, warrant, { hash });
      if (refused) return refused;
      await review().released(trx, who, warrant);
      const author = who.name;
      const now = Date.now();
      await trx(r.table)
        .insert({
          document_id: documentId(),
          [r.col('hash')]: hash,
          [r.col('idempotencyKey')]: key,
          [r.col('author')]: author,
          created_at: now,
          updated_at: now,
          published_at: now,
        })
        .onConflict(r.col('idempotencyKey'))
        .ignore();
      return remember(trx, key, { status: 200, body: { hash } });
    });
  },

  async anchor(workspace, seq, hash) {
    return strapi.db.connection.transaction(async (trx) => {
      const same = await trx(ANCHORS).where({ workspace, seq }).first();
      const newest = await trx(ANCHORS).where({ workspace }).orderBy('seq', 'desc').first();
      const held = newest ? Number(newest.seq) : 0;
      if ((same && same.hash !== hash) || (!same && held > seq)) {
        const message = `the audit log of ${workspace} was anchored up to entry ${held}; entry ${seq} with this hash does not continue it`;
        return conflictError(message, '(audit log)', held);
      }
      if (!same) await trx(ANCHORS).insert({ workspace, seq, hash, at: Date.now() });
      return { status: 200, body: { workspace, seq } };
    });
  },

  async anchors(workspace) {
    const rows = await strapi.db.connection(ANCHORS).where({ workspace }).orderBy('seq', 'asc');
    return rows.map((r) => ({ seq: Number(r.seq), hash: r.hash, at: new Date(Number(r.at)).toISOString() }));
  },
});
