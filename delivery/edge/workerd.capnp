# workerd config for the edge Worker, for tests and local runs (scripts/edge builds
# vantage_edge.wasm into this folder first). Addresses are overridden on the command line:
#   workerd serve workerd.capnp -s http=127.0.0.1:8787 -e origin=127.0.0.1:8080
# Variables come from the environment: VANTAGE_DEPLOY_TOKEN, VANTAGE_PROFILE_KEY,
# VANTAGE_FACT_HEADERS, VANTAGE_WEBHOOK_SECRET, VANTAGE_ORIGIN (the server tier, http://origin
# when using the `origin` service below) and VANTAGE_ORIGIN_TOKEN.
# CDP segment memberships (the SegmentStore Durable Object) are kept on disk in the folder of
# the `segment-storage` service, `state/` here unless given: -d segment-storage=/path/to/folder
# (it must exist).
using Workerd = import "/workerd/workerd.capnp";

const config :Workerd.Config = (
  services = [
    (name = "main", worker = .edge),
    (name = "origin", external = (address = "127.0.0.1:8080", http = ())),
    (name = "segment-storage", disk = (path = "state", writable = true)),
  ],
  sockets = [ (name = "http", address = "127.0.0.1:8787", http = (), service = "main") ],
);

const edge :Workerd.Worker = (
  modules = [
    (name = "worker.js", esModule = embed "worker.js"),
    (name = "abi.js", esModule = embed "abi.js"),
    (name = "vantage_edge.wasm", wasm = embed "vantage_edge.wasm"),
  ],
  compatibilityDate = "2026-11-01",
  # One object per unit id; the uniqueKey names the folder its files go in: never change it.
  durableObjectNamespaces = [
    (className = "SegmentStore", uniqueKey = "vantage-edge-segments", enableSql = true),
  ],
  durableObjectStorage = (localDisk = "segment-storage"),
  bindings = [
    (name = "DEPLOY_TOKEN", fromEnvironment = "VANTAGE_DEPLOY_TOKEN"),
    (name = "VANTAGE_PROFILE_KEY", fromEnvironment = "VANTAGE_PROFILE_KEY"),
    (name = "VANTAGE_FACT_HEADERS", fromEnvironment = "VANTAGE_FACT_HEADERS"),
    (name = "ORIGIN", fromEnvironment = "VANTAGE_ORIGIN"),
    (name = "ORIGIN_TOKEN", fromEnvironment = "VANTAGE_ORIGIN_TOKEN"),
    (name = "VANTAGE_WEBHOOK_SECRET", fromEnvironment = "VANTAGE_WEBHOOK_SECRET"),
    (name = "SEGMENTS", durableObjectNamespace = "SegmentStore"),
  ],
  globalOutbound = "origin",
);
