//! ochami-redfish: the Redfish client and inventory collector that magellan
//! (`collect`, `crawl`, `power`) and smd (`Inventory/Discover`) share.
//!
//! `client` holds one authenticated session per BMC; `collect::crawl` walks a
//! BMC's tree into OpenCHAMI's SchemaVersion-1 RedfishEndpoint payload, in
//! `smd-api`'s types (the ones smd reads).
//!
//! Invariants: nothing a BMC sends can panic (every field is read through
//! `Option`s; failures are `RedfishError`s naming the URL); no knowledge of
//! credentials files or SMD's API — callers name BMCs and store results.

pub mod client;
pub mod collect;
