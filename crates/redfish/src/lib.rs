//! ochami-redfish: the Redfish client and inventory collector that magellan
//! (`collect`, `crawl`, `power`) and smd (`Inventory/Discover`) share.
//!
//! `client` holds one authenticated session per BMC; `collect::crawl` walks a
//! BMC's tree into `inventory`, OpenCHAMI's SchemaVersion-1 RedfishEndpoint
//! payload.
//!
//! Invariants: nothing a BMC sends can panic (every field is read through
//! `Option`s; failures are `RedfishError`s naming the URL); no knowledge of
//! xnames, credentials files or SMD — callers name BMCs and store results.

pub mod client;
pub mod collect;
pub mod inventory;
