// The seed's story, told through openapi-fetch clients typed by
// openapi-typescript from openapi/smd.json and openapi/bss.json.
//
// crates/smd/tests/generated_clients.rs copies this file beside the generated
// types (smd.ts, bss.ts), type-checks it with `tsc --strict` and runs it with
// node, with SMD_URL, BSS_URL and PAYLOAD (magellan's SchemaVersion-1
// RedfishEndpoint) in the environment. Each step prints one line; the Rust
// test checks them.

import { readFileSync } from "node:fs";
import createClient from "openapi-fetch";
import type { components as Bss, paths as BssPaths } from "./bss.js";
import type { components as Smd, paths as SmdPaths } from "./smd.js";

type RedfishEndpointIn = Smd["schemas"]["RedfishEndpointIn"];
type Component = Smd["schemas"]["Component"];
type BootParams = Bss["schemas"]["BootParams"];

function expect(cond: unknown, what: string): asserts cond {
  if (!cond) {
    console.error(`FAILED: ${what}`);
    process.exit(1);
  }
}

function env(name: string): string {
  const v = process.env[name];
  expect(v, `${name} is set`);
  return v;
}

const smd = createClient<SmdPaths>({ baseUrl: env("SMD_URL") });
const bss = createClient<BssPaths>({ baseUrl: env("BSS_URL") });

// 1. Health.
const ready = await smd.GET("/hsm/v2/service/ready");
expect(ready.data, `ready: ${ready.response.status}`);
console.log(`smd ready: ${ready.data.code} ${ready.data.message}`);
const status = await bss.GET("/boot/v1/service/status");
expect(status.data, `status: ${status.response.status}`);
console.log(`bss status: ${status.data["bss-status"]}`);

// 2. magellan's write: its SchemaVersion-1 payload, typed.
const payload: RedfishEndpointIn = JSON.parse(readFileSync(env("PAYLOAD"), "utf8"));
const created = await smd.POST("/hsm/v2/Inventory/RedfishEndpoints", { body: payload });
expect(
  created.response.status === 201 && created.data,
  `POST RedfishEndpoints: ${created.response.status} ${JSON.stringify(created.error)}`,
);
console.log("created: " + created.data.map((u) => u.URI).join(" "));

// ... and the nodes it brought, typed.
const listed = await smd.GET("/hsm/v2/State/Components", {
  params: { query: { type: ["Node"] } },
});
expect(listed.data, `components: ${JSON.stringify(listed.error)}`);
const nodes: Component[] = [...listed.data.Components].sort((a, b) => a.ID.localeCompare(b.ID));
expect(nodes.length > 0, "nodes were created");
console.log("nodes: " + nodes.map((c) => `${c.ID}(NID ${c.NID}, ${c.State})`).join(" "));
const first = nodes[0];
const one = await smd.GET("/hsm/v2/State/Components/{xname}", {
  params: { path: { xname: first.ID } },
});
expect(one.data?.ID === first.ID, `GET one: ${JSON.stringify(one.error)}`);

// The node's MAC, as dhcpd-shim and bss read it.
const nics = await smd.GET("/hsm/v2/Inventory/EthernetInterfaces", {
  params: { query: { ComponentID: [first.ID] } },
});
expect(nics.data && nics.data.length > 0, `${first.ID} has Ethernet interfaces`);
const mac = nics.data[0].MACAddress;
console.log(`${first.ID} MAC: ${mac}`);

// bss re-reads smd now rather than at its next refresh.
const refreshed = await bss.POST("/boot/v1/hosts");
expect(refreshed.response.status === 204, `POST hosts: ${refreshed.response.status}`);

// 3. Boot parameters for that MAC.
const params: BootParams = {
  macs: [mac],
  kernel: "http://172.16.0.253:8080/vmlinuz",
  initrd: "http://172.16.0.253:8080/initrd.img",
  params: "console=ttyS0,115200",
};
const posted = await bss.POST("/boot/v1/bootparameters", { body: params });
expect(posted.response.status === 201, `POST bootparameters: ${posted.response.status}`);
const stored = await bss.GET("/boot/v1/bootparameters", { params: { query: { mac } } });
expect(stored.data && stored.data.length > 0, `GET bootparameters: ${JSON.stringify(stored.error)}`);
console.log(`boot parameters: kernel ${stored.data[0].kernel}`);

// 4. The script iPXE fetches for that MAC (with its ${buildarch}, as the
// chain line of its first request asks), naming the node.
const script = await bss.GET("/boot/v1/bootscript", {
  params: { query: { mac, arch: "x86_64" } },
  parseAs: "text",
});
expect(typeof script.data === "string", `bootscript: ${JSON.stringify(script.error)}`);
const kernel = script.data.split("\n").find((l) => l.startsWith("kernel "));
expect(kernel, `the script has a kernel line: ${script.data}`);
console.log(`bootscript: ${kernel}`);
