// The edge tier of Vantage delivery: a Cloudflare Worker (module syntax) over the delivery
// runtime compiled to WebAssembly (vantage_edge.wasm, built by scripts/edge). Every decision about
// a visitor's answer (status, headers, body) is made in the module by the same Rust function
// `vantage serve` runs; this script only moves bytes and keeps the release.
//
// Routes: GET /pages/{page} and POST /decide for visitors (docs/delivery.md), GET /healthz,
// POST /webhooks/segments for the CDP, and behind the bearer DEPLOY_TOKEN: PUT /release to deploy
// (the release's SHA-256 in x-vantage-release-sha256, verified by the module before it switches),
// POST /conform (the condition language's contract run by this module) and GET /segments/{unit}. Without a release, the Worker fetches the current
// one from the server tier (ORIGIN + /release, with ORIGIN_TOKEN), verifying its hash the same way.
//
// CDP segment webhooks (POST /webhooks/segments, signed with VANTAGE_WEBHOOK_SECRET) are verified by
// the module and kept in the SegmentStore Durable Object (binding SEGMENTS), one object per unit id,
// which applies them with the module's rule in one storage transaction. A visitor's memberships are
// read only when the module says the request may use them (consent first), then handed back to it.
import { DurableObject } from "cloudflare:workers";
import edgeModule from "./vantage_edge.wasm";
import { body as moduleBody, call as callModule, instantiate as instantiateModule } from "./abi.js";

const DECIDE_BODY_MAX_BYTES = 64 * 1024;
// As the server tier (vantage_delivery::segments::WEBHOOK_BODY_MAX_BYTES); the module checks again.
const WEBHOOK_BODY_MAX_BYTES = 16 * 1024;
const RELEASE_MAX_BYTES = 64 * 1024 * 1024;
const encoder = new TextEncoder();
const decoder = new TextDecoder();
const strictDecoder = new TextDecoder("utf-8", { fatal: true });

let wasm = null;
// The release text being served, kept to rebuild the module's state after a trap.
let releaseText = null;
let releaseHash = null;
let configured = false;
// The request headers the module reads (the rest are not copied into it).
let headersRead = new Set();

function instantiate() {
  wasm = instantiateModule(edgeModule);
  configured = false;
}

// Calls export `fn` with `texts` copied into the module's memory, then reads its output.
function call(fn, ...texts) {
  return callModule(wasm, fn, ...texts);
}

function ensure(env) {
  if (!wasm) instantiate();
  if (!configured) {
    const vars = JSON.stringify({
      VANTAGE_PROFILE_KEY: env.VANTAGE_PROFILE_KEY ?? "",
      VANTAGE_FACT_HEADERS: env.VANTAGE_FACT_HEADERS ?? "",
      VANTAGE_WEBHOOK_SECRET: env.VANTAGE_WEBHOOK_SECRET ?? "",
    });
    const { code, text } = call(wasm.vantage_configure, vars);
    if (code !== 0) throw new Error(`configuration refused: ${text}`);
    headersRead = new Set(JSON.parse(call(wasm.vantage_headers_read).text));
    configured = true;
    if (releaseText !== null) call(wasm.vantage_deploy, releaseText, releaseHash);
  }
}

// The module's answer: its head (status, headers) from the output, its body copied out as bytes.
function answer(head) {
  const { status, headers } = JSON.parse(head);
  return { status, headers, body: moduleBody(wasm) };
}

// Page bodies by ETag (the release, each slot's variant and the product: equal tags, equal
// bytes), so a page served again reuses its bytes instead of allocating a copy per request.
const pagesByTag = new Map();
const PAGES_KEPT = 256;

function toResponse(head) {
  const { status, headers } = JSON.parse(head);
  if (status === 304) return new Response(null, { status, headers });
  const tag = status === 200 ? headers.find(([name]) => name === "etag")?.[1] : undefined;
  let body = tag === undefined ? undefined : pagesByTag.get(tag);
  if (body === undefined) {
    body = moduleBody(wasm);
    if (tag !== undefined) {
      if (pagesByTag.size >= PAGES_KEPT) pagesByTag.clear();
      pagesByTag.set(tag, body);
    }
  }
  return new Response(body, { status, headers });
}

function error(status, field, message) {
  return new Response(JSON.stringify({ error: { field, message } }), {
    status,
    headers: { "content-type": "application/json", "cache-control": "no-store" },
  });
}

async function sameToken(presented, expected) {
  const [a, b] = await Promise.all(
    [presented, expected].map((t) => crypto.subtle.digest("SHA-256", encoder.encode(t))),
  );
  const x = new Uint8Array(a);
  const y = new Uint8Array(b);
  let diff = 0;
  for (let i = 0; i < x.length; i++) diff |= x[i] ^ y[i];
  return diff === 0;
}

// Reads a body of at most `max` bytes, or returns null.
async function boundedText(request, max) {
  const declared = Number(request.headers.get("content-length") ?? "0");
  if (declared > max) return null;
  const bytes = new Uint8Array(await request.arrayBuffer());
  return bytes.length > max ? null : decoder.decode(bytes);
}

function deploy(text, hash) {
  const deployed = answer(call(wasm.vantage_deploy, text, hash).text);
  if (deployed.status === 200) {
    releaseText = text;
    releaseHash = hash;
  }
  return deployed;
}

// The refusal for a request without the deploy token, or null when it has it.
async function unauthorized(request, env) {
  if (!env.DEPLOY_TOKEN) return error(403, "authorization", "deploys are off: give the Worker a DEPLOY_TOKEN");
  const auth = request.headers.get("authorization") ?? "";
  if (!auth.startsWith("Bearer ") || !(await sameToken(auth.slice(7), env.DEPLOY_TOKEN))) {
    return error(401, "authorization", "the deploy token does not match");
  }
  return null;
}

// POST /conform: the contract's case file run by this module, behind the deploy token.
async function conform(request, env) {
  const refusal = await unauthorized(request, env);
  if (refusal) return refusal;
  const text = await boundedText(request, 8 * 1024 * 1024);
  if (text === null) return error(413, "body", "is larger than 8388608 bytes");
  return toResponse(call(wasm.vantage_conform, text).text);
}

async function putRelease(request, env) {
  const refusal = await unauthorized(request, env);
  if (refusal) return refusal;
  const hash = request.headers.get("x-vantage-release-sha256");
  if (!hash) return error(400, "header x-vantage-release-sha256", "a deploy names the SHA-256 of the release it carries");
  const text = await boundedText(request, RELEASE_MAX_BYTES);
  if (text === null) return error(413, "body", `is larger than ${RELEASE_MAX_BYTES} bytes`);
  const deployed = deploy(text, hash);
  return new Response(deployed.body, { status: deployed.status, headers: deployed.headers });
}

// Fetches the server tier's current release when this Worker has none yet.
async function bootstrap(env) {
  if (releaseText !== null || !env.ORIGIN) return;
  const fetched = await fetch(`${env.ORIGIN}/release`, { headers: { authorization: `Bearer ${env.ORIGIN_TOKEN ?? ""}` } });
  const hash = fetched.headers.get("x-vantage-release");
  if (fetched.status !== 200 || !hash) return;
  deploy(await fetched.text(), hash);
}

// The Durable Object holding `unit`'s memberships (one per unit id, so reads spread out).
function segmentStore(env, unit) {
  return env.SEGMENTS.get(env.SEGMENTS.idFromName(unit));
}

async function visitor(request, env, url) {
  if (releaseText === null) await bootstrap(env);
  const body = request.method === "POST" ? await boundedText(request, DECIDE_BODY_MAX_BYTES) : "";
  if (body === null) return error(413, "body", `is larger than ${DECIDE_BODY_MAX_BYTES} bytes`);
  const envelope = {
    request: {
      method: request.method,
      path: url.pathname,
      query: url.search.replace(/^\?/, ""),
      headers: [...request.headers].filter(([name]) => headersRead.has(name)),
      body,
    },
    now_ms: Date.now(),
    fresh_unit: crypto.randomUUID().replaceAll("-", ""),
  };
  if (env.SEGMENTS) {
    // Consent first: the module names the unit to look up only when the visitor granted the
    // segment list's purpose; otherwise storage is not read at all.
    const unit = call(wasm.vantage_segments_unit, JSON.stringify(envelope)).text;
    if (unit) {
      try {
        envelope.segments = { unit, segments: await segmentStore(env, unit).segmentsOf(unit) };
      } catch (e) {
        // Storage unavailable: the page is decided without memberships rather than not served.
        console.error(`segment lookup failed: ${e && e.message ? e.message : e}`);
      }
      // The module may have been rebuilt while waiting (a trap elsewhere): make sure it is ready.
      ensure(env);
    }
  }
  return toResponse(call(wasm.vantage_handle, JSON.stringify(envelope)).text);
}

// POST /webhooks/segments: the module verifies (signature, age, shape; 403 when off), the unit's
// Durable Object applies it, and the module words the answer: the same bytes as `vantage serve`.
async function segmentWebhook(request, env) {
  const declared = Number(request.headers.get("content-length") ?? "0");
  if (declared > WEBHOOK_BODY_MAX_BYTES) return error(413, "body", `is larger than ${WEBHOOK_BODY_MAX_BYTES} bytes`);
  const bytes = new Uint8Array(await request.arrayBuffer());
  if (bytes.length > WEBHOOK_BODY_MAX_BYTES) return error(413, "body", `is larger than ${WEBHOOK_BODY_MAX_BYTES} bytes`);
  let body;
  try {
    body = strictDecoder.decode(bytes);
  } catch {
    return error(400, "body", "is not UTF-8 text");
  }
  const input = {
    timestamp: request.headers.get("x-vantage-timestamp"),
    signature: request.headers.get("x-vantage-signature"),
    body,
    now_ms: Date.now(),
  };
  const verified = call(wasm.vantage_webhook_verify, JSON.stringify(input));
  if (verified.code !== 0) return toResponse(verified.text);
  if (!env.SEGMENTS) return error(503, "webhook", "the Worker has no SEGMENTS storage binding: memberships cannot be kept");
  const { event, received_s: receivedS, forget_before_s: forgetBeforeS } = JSON.parse(verified.text);
  const applied = await segmentStore(env, event.unit).apply(event, receivedS, forgetBeforeS);
  ensure(env);
  return toResponse(call(wasm.vantage_webhook_answer, JSON.stringify(applied)).text);
}

// GET /segments/{unit}: what the Worker holds for a unit id, for QA, behind the deploy token.
async function unitSegments(request, env, pathname) {
  const refusal = await unauthorized(request, env);
  if (refusal) return refusal;
  const unit = pathname.slice("/segments/".length);
  if (!/^[A-Za-z0-9_-]{1,64}$/.test(unit)) return error(400, "path", "a unit id is 1 to 64 letters, digits, - or _");
  const segments = env.SEGMENTS ? await segmentStore(env, unit).segmentsOf(unit) : [];
  return new Response(JSON.stringify({ segments, unit }), {
    headers: { "content-type": "application/json", "cache-control": "no-store" },
  });
}

// One unit's memberships, in SQLite storage (durableObjectStorage localDisk in workerd, a SQLite
// class on Cloudflare). An event is decided and written in one synchronous transaction, with the
// module's rule (vantage_delivery::segments::decide, the server tier's), so two webhooks for the
// unit cannot interleave, and the answer leaves only after the write is kept (output gate).
// Seen event ids are kept per object: a replayed request names the same unit, so it reaches the
// same object and is refused.
export class SegmentStore extends DurableObject {
  constructor(ctx, env) {
    super(ctx, env);
    ctx.storage.sql.exec(
      `CREATE TABLE IF NOT EXISTS memberships (
         unit TEXT NOT NULL, segment TEXT NOT NULL, entered INTEGER NOT NULL, at_ms INTEGER NOT NULL,
         PRIMARY KEY (unit, segment));
       CREATE TABLE IF NOT EXISTS seen_events (id TEXT PRIMARY KEY, received_s INTEGER NOT NULL);`,
    );
  }

  // The outcome ("changed", "outdated", "replay", "full") of applying a verified event.
  apply(event, receivedS, forgetBeforeS) {
    const sql = this.ctx.storage.sql;
    return this.ctx.storage.transactionSync(() => {
      sql.exec("DELETE FROM seen_events WHERE received_s < ?", forgetBeforeS);
      const seen = sql.exec("SELECT 1 FROM seen_events WHERE id = ?", event.id).toArray().length > 0;
      const held = sql
        .exec("SELECT entered, at_ms FROM memberships WHERE unit = ? AND segment = ?", event.unit, event.segment)
        .toArray()[0];
      const count = sql.exec("SELECT count(*) AS n FROM memberships WHERE unit = ? AND entered = 1", event.unit).one().n;
      const onRecord = {
        seen,
        membership: held ? { entered: held.entered === 1, at_ms: held.at_ms } : null,
        member_count: count,
      };
      const applied = segmentRule(this.env, event, onRecord);
      if (!seen) sql.exec("INSERT INTO seen_events (id, received_s) VALUES (?, ?)", event.id, receivedS);
      if (applied === "changed") {
        sql.exec(
          `INSERT INTO memberships (unit, segment, entered, at_ms) VALUES (?, ?, ?, ?)
           ON CONFLICT (unit, segment) DO UPDATE SET entered = excluded.entered, at_ms = excluded.at_ms`,
          event.unit,
          event.segment,
          event.entered ? 1 : 0,
          event.at_ms,
        );
      }
      return applied;
    });
  }

  // The segments `unit` is in, by name (the server tier's order).
  segmentsOf(unit) {
    return this.ctx.storage.sql
      .exec("SELECT segment FROM memberships WHERE unit = ? AND entered = 1 ORDER BY segment", unit)
      .toArray()
      .map((row) => row.segment);
  }
}

// The module's rule over what the object read; a failure aborts the transaction.
function segmentRule(env, event, onRecord) {
  try {
    ensure(env);
    const { code, text } = call(wasm.vantage_segment_rule, JSON.stringify({ event, on_record: onRecord }));
    if (code !== 0) throw new Error(text);
    return JSON.parse(text);
  } catch (e) {
    wasm = null;
    throw e;
  }
}

export default {
  async fetch(request, env) {
    try {
      ensure(env);
      const url = new URL(request.url);
      const { pathname } = url;
      if (pathname === "/release" && request.method === "PUT") return await putRelease(request, env);
      if (pathname === "/conform" && request.method === "POST") return await conform(request, env);
      if (pathname === "/webhooks/segments" && request.method === "POST") return await segmentWebhook(request, env);
      if (pathname.startsWith("/segments/") && request.method === "GET") return await unitSegments(request, env, pathname);
      if (pathname === "/healthz" && request.method === "GET") {
        await bootstrap(env);
        return releaseHash
          ? new Response(JSON.stringify({ release: releaseHash, status: "ok" }), { headers: { "content-type": "application/json", "cache-control": "no-store" } })
          : new Response(JSON.stringify({ status: "no release yet" }), { status: 503, headers: { "content-type": "application/json", "cache-control": "no-store" } });
      }
      return await visitor(request, env, url);
    } catch (e) {
      // A trap leaves the module's memory in an unknown state: start a fresh instance next time.
      wasm = null;
      return error(500, "worker", `the edge failed on this request (${e && e.message ? e.message : e}); it restarts`);
    }
  },
};
