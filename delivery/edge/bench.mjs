// Times the edge module alone in V8 (node): one release deployed, then the home page answered
// 20,000 times after a warm-up; prints microseconds per request. Run after scripts/edge:
//   node delivery/edge/bench.mjs release.json      (a file from `vantage bundle --out`)
import fs from "node:fs";
import path from "node:path";

const here = path.dirname(new URL(import.meta.url).pathname);
const edgeModule = new WebAssembly.Module(fs.readFileSync(path.join(here, "vantage_edge.wasm")));
let instance;
instance = new WebAssembly.Instance(edgeModule, {
  env: { random_fill: (ptr, len) => crypto.getRandomValues(new Uint8Array(instance.exports.memory.buffer, ptr, len)) },
});
const wasm = instance.exports;
const encoder = new TextEncoder();
const decoder = new TextDecoder();

function call(fn, ...texts) {
  const args = [];
  const buffers = [];
  for (const text of texts) {
    const bytes = encoder.encode(text);
    const ptr = wasm.vantage_alloc(bytes.length);
    new Uint8Array(wasm.memory.buffer, ptr, bytes.length).set(bytes);
    args.push(ptr, bytes.length);
    buffers.push([ptr, bytes.length]);
  }
  fn(...args);
  const out = decoder.decode(new Uint8Array(wasm.memory.buffer, wasm.vantage_output_ptr(), wasm.vantage_output_len()));
  for (const [ptr, len] of buffers) wasm.vantage_free(ptr, len);
  return out;
}

const release = fs.readFileSync(process.argv[2], "utf8");
call(wasm.vantage_configure, "{}");
let started = performance.now();
const deployed = JSON.parse(call(wasm.vantage_deploy, release, JSON.parse(release).hash));
if (deployed.status !== 200) throw new Error("the release was refused");
const deployMs = performance.now() - started;
const envelope = JSON.stringify({
  request: { method: "GET", path: "/pages/home", query: "", headers: [["cookie", "vantage_uid=u-1"]], body: "" },
  now_ms: Date.now(),
  fresh_unit: "bench",
});
const answer = () => {
  call(wasm.vantage_handle, envelope);
  return new Uint8Array(wasm.memory.buffer, wasm.vantage_body_ptr(), wasm.vantage_body_len()).slice();
};
for (let i = 0; i < 2000; i++) answer();
const n = 20000;
started = performance.now();
for (let i = 0; i < n; i++) answer();
console.log(JSON.stringify({ first_deploy_ms: Math.round(deployMs), handle_us: Number((((performance.now() - started) * 1000) / n).toFixed(1)) }));
