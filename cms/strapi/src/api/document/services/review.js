'use strict';

// Four eyes, kept by the CMS rather than by the laptop: a laptop's store is its owner's to edit,
// so the server records who submitted and who approved each change set, from their own signed-in
// credentials, and refuses to write anything into the CMS that no second person approved.
//
// - A proposal is what a change set changes: { path: sha256 of the new content, or null for a
//   deletion }, identified by its hash (see proposalHash). Submitting records the submitter; a
//   proposal submitted again with other changes loses its approval and remembers every submitter
//   as an editor.
// - Approval names the hash the reviewer saw: a proposal that changed since is stale (409). Nobody
//   approves a proposal they submitted any version of (403).
// - Every write to a Vantage document and every release marker carries a warrant, checked in the
//   writing transaction (see allows): an approved proposal whose changes contain exactly this
//   write; a rollback to content an earlier warrant already brought in; or, once per CMS, the
//   adoption of a workspace by a Vantage admin before any release exists. A write that leaves the
//   document's content as it is needs no approval.

const crypto = require('crypto');

const PROPOSALS = 'vantage_proposals';
const APPROVED_CONTENT = 'vantage_approved_content';

// Strapi users-permissions role types and the Vantage role each stands for.
const ROLES = {
  'vantage-marketer': 'marketer',
  'vantage-qa': 'qa',
  'vantage-reviewer': 'reviewer',
  'vantage-admin': 'admin',
};

// What each Vantage role may do on the server (the laptop's roles never grant more).
const MAY = {
  submit: ['marketer', 'qa', 'admin'],
  approve: ['reviewer', 'admin'],
  publish: ['reviewer', 'admin'],
  adopt: ['admin'],
};

function sha256(text) {
  return crypto.createHash('sha256').update(text, 'utf8').digest('hex');
}

// The proposal's identity: one line per changed path, sorted, "path<TAB>sha256" or "path<TAB>-"
// for a deletion, hashed. Vantage computes the same from the change set a reviewer looks at.
function proposalHash(changes) {
  const lines = Object.keys(changes)
    .sort()
    .map((path) => `${path}\t${changes[path] === null ? '-' : changes[path]}\n`)
    .join('');
  return sha256(lines);
}

// The signed-in person behind a request: a users-permissions user with a Vantage role. An API
// token names no person, so it may read but never write.
function person(ctx) {
  const auth = ctx.state && ctx.state.auth;
  const strategy = auth && auth.strategy && auth.strategy.name;
  const user = ctx.state && ctx.state.user;
  if (strategy !== 'users-permissions' || !user) return null;
  const role = user.role && ROLES[user.role.type];
  return { name: user.username, role: role || null };
}

function refusal(status, message, details = {}) {
  const name = status === 403 ? 'ForbiddenError' : status === 409 ? 'ConflictError' : 'ValidationError';
  return { status, body: { error: { status, name, message, details } } };
}

function may(who, action) {
  return Boolean(who && who.role && MAY[action].includes(who.role));
}

function parseProposal(row) {
  if (!row) return null;
  return {
    workspace: row.workspace,
    changeSet: Number(row.change_set),
    hash: row.hash,
    changes: JSON.parse(row.changes),
    state: row.state,
    submittedBy: row.submitted_by,
    editors: JSON.parse(row.editors),
    approvedBy: row.approved_by || null,
    releasedBy: row.released_by || null,
  };
}

function view(p) {
  return {
    workspace: p.workspace,
    change_set: p.changeSet,
    hash: p.hash,
    state: p.state,
    submitted_by: p.submittedBy,
    approved_by: p.approvedBy,
    released_by: p.releasedBy,
  };
}

async function proposalOf(trx, workspace, changeSet) {
  return parseProposal(await trx(PROPOSALS).where({ workspace, change_set: changeSet }).first());
}

// See `submit` (fromCms).
async function submitFromCms(who, workspace, changeSet, changes) {
  if (!who.role) return refusal(403, `${who.name} has no Vantage role`);
  const d = strapi.db.metadata.get('api::document.document');
  const col = (name) => (d.attributes[name] && d.attributes[name].columnName) || name;
  const hash = proposalHash(changes);
  return strapi.db.connection.transaction(async (trx) => {
    const authors = new Set();
    for (const [path, sha] of Object.entries(changes)) {
      const row = await trx(d.tableName).where(col('path'), path).first();
      const held = !row || row[col('deleted')] || row[col('content')] === null ? null : sha256(row[col('content')]);
      if (held !== sha) return refusal(409, `${path} is no longer what the CMS holds: pull again`, { path });
      if (row) authors.add(row[col('author')] || 'the CMS');
    }
    const held = await proposalOf(trx, workspace, changeSet);
    if (held && held.hash === hash) return { status: 200, body: view(held) };
    if (held && held.state === 'released') return refusal(409, `change set ${changeSet} was already released`, { current: held.hash });
    const editors = Array.from(authors);
    const row = {
      hash,
      changes: JSON.stringify(changes),
      state: 'submitted',
      submitted_by: editors.join(', ') || 'the CMS',
      editors: JSON.stringify(editors),
      approved_by: null,
      updated_at: Date.now(),
    };
    if (held) await trx(PROPOSALS).where({ workspace, change_set: changeSet }).update(row);
    else await trx(PROPOSALS).insert({ workspace, change_set: changeSet, ...row });
    return { status: 200, body: view(await proposalOf(trx, workspace, changeSet)) };
  });
}

module.exports = () => ({
  ROLES,
  person,
  sha256,
  proposalHash,

  async ensureTables() {
    const knex = strapi.db.connection;
    if (!(await knex.schema.hasTable(PROPOSALS))) {
      await knex.schema.createTable(PROPOSALS, (t) => {
        t.string('workspace', 200).notNullable();
        t.bigInteger('change_set').notNullable();
        t.string('hash', 64).notNullable();
        t.text('changes').notNullable();
        t.string('state', 16).notNullable();
        t.string('submitted_by', 255).notNullable();
        t.text('editors').notNullable();
        t.string('approved_by', 255);
        t.string('released_by', 255);
        t.bigInteger('updated_at').notNullable();
        t.primary(['workspace', 'change_set']);
      });
    }
    if (!(await knex.schema.hasTable(APPROVED_CONTENT))) {
      await knex.schema.createTable(APPROVED_CONTENT, (t) => {
        t.string('workspace', 200).notNullable();
        t.string('path', 512).notNullable();
        t.string('sha', 64).notNullable();
        t.primary(['workspace', 'path', 'sha']);
      });
    }
  },

  // Vantage roles as Strapi users-permissions roles, each allowed the sync routes (what a person
  // may do there is decided per request by role, above). Sign-up is closed: accounts are made by
  // a Strapi admin, who also picks their role.
  async ensureRoles(actions) {
    const roles = strapi.db.query('plugin::users-permissions.role');
    const permissions = strapi.db.query('plugin::users-permissions.permission');
    const names = { marketer: 'Vantage marketer', qa: 'Vantage QA', reviewer: 'Vantage reviewer', admin: 'Vantage admin' };
    for (const [type, role] of Object.entries(ROLES)) {
      let found = await roles.findOne({ where: { type } });
      if (!found) found = await roles.create({ data: { type, name: names[role], description: `Vantage's ${role} role` } });
      for (const action of [...actions, 'plugin::users-permissions.auth.logout']) {
        const held = await permissions.findOne({ where: { action, role: found.id } });
        if (!held) await permissions.create({ data: { action, role: found.id } });
      }
    }
    const pub = await roles.findOne({ where: { type: 'public' } });
    if (pub) {
      for (const action of ['plugin::users-permissions.auth.callback', 'plugin::users-permissions.auth.refresh']) {
        const held = await permissions.findOne({ where: { action, role: pub.id } });
        if (!held) await permissions.create({ data: { action, role: pub.id } });
      }
      await permissions.deleteMany({ where: { action: 'plugin::users-permissions.auth.register', role: pub.id } });
    }
    const store = strapi.store({ type: 'plugin', name: 'users-permissions' });
    const advanced = (await store.get({ key: 'advanced' })) || {};
    if (advanced.allow_register !== false) await store.set({ key: 'advanced', value: { ...advanced, allow_register: false } });
  },

  // `fromCms`: the change set holds edits made in the CMS itself, which Vantage's changes feed
  // brought in for review. Anyone with a Vantage role may put it forward, but only as the CMS
  // holds it: each change must be the document's current content, and the editors on record are
  // the documents' authors here, never the person filing it.
  async submit(who, workspace, changeSet, changes, fromCms) {
    if (fromCms) return submitFromCms(who, workspace, changeSet, changes);
    if (!may(who, 'submit')) return refusal(403, `${who.name} may not submit change sets (role: ${who.role || 'none'})`);
    if (who.role === 'qa') {
      const other = Object.keys(changes).find((path) => !path.startsWith('profiles/'));
      if (other) return refusal(403, `${who.name} is QA and may submit visitor profiles only, not ${other}`, { path: other });
    }
    const hash = proposalHash(changes);
    return strapi.db.connection.transaction(async (trx) => {
      const held = await proposalOf(trx, workspace, changeSet);
      if (held && held.state === 'released') {
        return refusal(409, `change set ${changeSet} was already released; start a new one`, { current: held.hash });
      }
      if (held && held.hash === hash && held.editors.includes(who.name)) return { status: 200, body: view(held) };
      const editors = Array.from(new Set([...(held ? held.editors : []), who.name]));
      // The same changes put forward by another person keep their approval state (nothing new to
      // look at), but that person becomes an editor: they may not approve it either.
      const unchanged = held && held.hash === hash;
      const row = {
        hash,
        changes: JSON.stringify(changes),
        state: unchanged ? held.state : 'submitted',
        submitted_by: unchanged ? held.submittedBy : who.name,
        editors: JSON.stringify(editors),
        approved_by: unchanged ? held.approvedBy : null,
        updated_at: Date.now(),
      };
      if (held) await trx(PROPOSALS).where({ workspace, change_set: changeSet }).update(row);
      else await trx(PROPOSALS).insert({ workspace, change_set: changeSet, ...row });
      return { status: 200, body: view(await proposalOf(trx, workspace, changeSet)) };
    });
  },

  async approve(who, workspace, changeSet, hash) {
    return strapi.db.connection.transaction(async (trx) => {
      const held = await proposalOf(trx, workspace, changeSet);
      if (held && held.editors.includes(who.name)) {
        return refusal(403, `${who.name} submitted change set ${changeSet}, so someone else must approve it (four eyes)`);
      }
      if (!may(who, 'approve')) return refusal(403, `${who.name} may not approve change sets (role: ${who.role || 'none'})`);
      if (!held) return refusal(404, `change set ${changeSet} was never submitted to this CMS`);
      if (held.hash !== hash) {
        return refusal(409, `change set ${changeSet} changed since you looked at it: look again before approving`, { current: held.hash });
      }
      if (held.state === 'released') return refusal(409, `change set ${changeSet} was already released`, { current: held.hash });
      await trx(PROPOSALS).where({ workspace, change_set: changeSet }).update({ state: 'approved', approved_by: who.name, updated_at: Date.now() });
      return { status: 200, body: view(await proposalOf(trx, workspace, changeSet)) };
    });
  },

  async proposal(workspace, changeSet) {
    const held = await proposalOf(strapi.db.connection, workspace, changeSet);
    return held ? view(held) : null;
  },

  // Whether `who` may make this write under `warrant`, checked inside the writing transaction.
  // `write` is { path, sha } (sha null: a deletion, or the release marker with { hash }).
  // Returns null when allowed, else the refusal to send.
  async allows(trx, who, warrant, write, current) {
    if (!who) return refusal(403, 'sign in as a person to write to Vantage documents: an API token names nobody, so it may only read');
    if (!may(who, 'publish')) return refusal(403, `${who.name} may not publish (role: ${who.role || 'none'})`);
    if (!warrant || typeof warrant !== 'object' || typeof warrant.workspace !== 'string' || warrant.workspace === '') {
      return refusal(403, 'this write names no approved change set (warrant), so it is refused');
    }
    const workspace = warrant.workspace;
    if (write.path !== undefined && current !== undefined && current === write.sha) return null;
    if (warrant.adoption === true) {
      if (!may(who, 'adopt')) return refusal(403, `only a Vantage admin adopts a workspace into the CMS, and ${who.name} is ${who.role}`);
      const released = await trx(releasesTable()).first();
      if (released) return refusal(403, 'this CMS already holds releases: every change now needs an approved change set');
      return null;
    }
    if (typeof warrant.rollback === 'string') {
      if (write.path === undefined) {
        const known = await trx(releasesTable()).where(releasesCol('hash'), warrant.rollback).first();
        return known && warrant.rollback === write.hash ? null : refusal(403, `there was no release ${write.hash} on this CMS to roll back to`);
      }
      const approved = await trx(APPROVED_CONTENT).where({ workspace, path: write.path, sha: write.sha === null ? '-' : write.sha }).first();
      return approved ? null : refusal(403, `${write.path}: a rollback only brings back content that was approved before`, { path: write.path });
    }
    if (!Number.isSafeInteger(warrant.change_set)) return refusal(403, 'this write names no approved change set (warrant), so it is refused');
    const held = await proposalOf(trx, workspace, warrant.change_set);
    // A released proposal still covers its own content (keeping one's side of a conflict
    // rewrites it), but its release marker is recorded once.
    const covering = held && (held.state === 'approved' || (held.state === 'released' && write.path !== undefined));
    if (!covering) {
      const state = held ? held.state : 'never submitted here';
      return refusal(403, `change set ${warrant.change_set} is not approved on the CMS (${state}), so it cannot be released`);
    }
    if (write.path === undefined) return null;
    if (!(write.path in held.changes) || held.changes[write.path] !== write.sha) {
      return refusal(403, `${write.path} is not what change set ${warrant.change_set}'s reviewer approved`, { path: write.path });
    }
    return null;
  },

  // Records what a warrant brought in, so that a rollback may bring it back.
  async remember(trx, warrant, path, sha) {
    await trx(APPROVED_CONTENT)
      .insert({ workspace: warrant.workspace, path, sha: sha === null ? '-' : sha })
      .onConflict(['workspace', 'path', 'sha'])
      .ignore();
  },

  // The release marker: the proposal is released (by whom), and nothing more may be written
  // under it.
  async released(trx, who, warrant) {
    if (warrant && Number.isSafeInteger(warrant.change_set)) {
      await trx(PROPOSALS)
        .where({ workspace: warrant.workspace, change_set: warrant.change_set })
        .update({ state: 'released', released_by: who.name, updated_at: Date.now() });
    }
  },
});

function releasesTable() {
  return strapi.db.metadata.get('api::release.release').tableName;
}

function releasesCol(name) {
  const m = strapi.db.metadata.get('api::release.release');
  return (m.attributes[name] && m.attributes[name].columnName) || name;
}
