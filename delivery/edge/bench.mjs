// Times the edge module alone in V8 (node): one release deployed, then the home page answered
// 20,000 times after a warm-up; prints microseconds per request. Run after scripts/edge:
//   node delivery/edge/bench.mjs release.json      (a file from `vantage bundle --out`)
import fs from "node:fs";
import path from "node:path";
import { body, call as call_, instantiate } from "./abi.js";

const here = path.dirname(new URL(import.meta.url).pathname);
const wasm = instantiate(new WebAssembly.Module(fs.readFileSync(path.join(here, "vantage_edge.wasm"))));
const call = (fn, ...texts) => call_(wasm, fn, ...texts).text;

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
  return body(wasm);
};
for (let i = 0; i < 2000; i++) answer();
const n = 20000;
started = performance.now();
for (let i = 0; i < n; i++) answer();
console.log(JSON.stringify({ first_deploy_ms: Math.round(deployMs), handle_us: Number((((performance.now() - started) * 1000) / n).toFixed(1)) }));
