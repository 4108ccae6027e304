//! The Redfish resource tree of one simulated BMC: path → DMTF-shaped JSON.
//!
//! Owns the BMC's mutable state (power states, sessions) and the reset action.
//! Never touches sockets; `server` handles transport and authentication.

use std::collections::HashSet;
use std::process::Stdio;
use std::sync::Mutex;
use std::time::Instant;

use serde_json::{json, Value};

use crate::spec::{BmcPlan, SystemPlan};

/// Every reset type the simulated systems accept (`ResetType@Redfish.AllowableValues`).
pub const RESET_TYPES: &[&str] = &[
    "On",
    "ForceOff",
    "GracefulShutdown",
    "GracefulRestart",
    "ForceRestart",
    "Nmi",
    "ForceOn",
    "PushPowerButton",
    "PowerCycle",
];

const MANAGER: &str = "BMC";

/// One system's power: where it is going, when it gets there, and how many
/// resets it has seen (a stubborn system ignores its first ones).
#[derive(Debug, Clone, Copy)]
struct Power {
    on: bool,
    /// Until then the system is still on its way to `on`.
    settles_at: Option<Instant>,
    resets: u32,
}

impl Power {
    fn state(&self, now: Instant) -> &'static str {
        match (self.on, self.settles_at.is_some_and(|t| now < t)) {
            (true, false) => "On",
            (false, false) => "Off",
            (true, true) => "PoweringOn",
            (false, true) => "PoweringOff",
        }
    }
}

/// One BMC's live state.
#[derive(Debug)]
pub struct Bmc {
    pub plan: BmcPlan,
    power: Mutex<Vec<Power>>,
    sessions: Mutex<HashSet<String>>,
    session_counter: Mutex<u64>,
}

/// A reply before it is put on the wire.
#[derive(Debug)]
pub struct Reply {
    pub status: u16,
    pub body: Option<Value>,
    pub headers: Vec<(&'static str, String)>,
}

impl Reply {
    fn ok(body: Value) -> Reply {
        Reply {
            status: 200,
            body: Some(body),
            headers: Vec::new(),
        }
    }

    /// A Redfish error body (`error.code` / `@Message.ExtendedInfo`).
    pub fn error(status: u16, message_id: &str, message: &str) -> Reply {
        Reply {
            status,
            body: Some(json!({
                "error": {
                    "code": format!("Base.1.8.{message_id}"),
                    "message": message,
                    "@Message.ExtendedInfo": [{
                        "@odata.type": "#Message.v1_1_1.Message",
                        "MessageId": format!("Base.1.8.{message_id}"),
                        "Message": message,
                        "Severity": "Warning",
                    }]
                }
            })),
            headers: Vec::new(),
        }
    }

    fn not_found(path: &str) -> Reply {
        Reply::error(
            404,
            "ResourceMissingAtURI",
            &format!("The resource at the URI {path} was not found."),
        )
    }
}

fn collection(odata_type: &str, id: &str, name: &str, members: Vec<String>) -> Value {
    json!({
        "@odata.type": odata_type,
        "@odata.id": id,
        "Name": name,
        "Members@odata.count": members.len(),
        "Members": members.iter().map(|m| json!({"@odata.id": m})).collect::<Vec<_>>(),
    })
}

fn chassis_id(j: usize) -> String {
    format!("Chassis{j}")
}

impl Bmc {
    pub fn new(plan: BmcPlan) -> Bmc {
        let power = plan
            .systems
            .iter()
            .map(|s| Power {
                on: s.powered_on,
                settles_at: None,
                resets: 0,
            })
            .collect();
        Bmc {
            plan,
            power: Mutex::new(power),
            sessions: Mutex::new(HashSet::new()),
            session_counter: Mutex::new(0),
        }
    }

    /// Power state of system `j` ("On", "Off", or "PoweringOn"/"PoweringOff"
    /// during a transition), for tests and the CLI.
    pub fn power_state(&self, j: usize) -> Option<&'static str> {
        let power = self.power.lock().unwrap_or_else(|e| e.into_inner());
        power.get(j).map(|p| p.state(Instant::now()))
    }

    /// How many `ComputerSystem.Reset` requests system `j` has received
    /// (the ignored ones of a stubborn system included).
    pub fn resets(&self, j: usize) -> Option<u32> {
        let power = self.power.lock().unwrap_or_else(|e| e.into_inner());
        power.get(j).map(|p| p.resets)
    }

    /// Sessions created since start (`POST SessionService/Sessions`).
    pub fn sessions_created(&self) -> u64 {
        *self
            .session_counter
            .lock()
            .unwrap_or_else(|e| e.into_inner())
    }

    /// Drop every session, as a BMC that restarts (or times them out) does.
    pub fn forget_sessions(&self) {
        self.sessions
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clear();
    }

    /// Sessions open now (created and not deleted).
    pub fn open_sessions(&self) -> usize {
        self.sessions
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .len()
    }

    pub fn credentials_match(&self, user: &str, pass: &str) -> bool {
        user == self.plan.username && pass == self.plan.password
    }

    pub fn session_valid(&self, token: &str) -> bool {
        self.sessions
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .contains(token)
    }

    /// POST /redfish/v1/SessionService/Sessions with valid credentials.
    pub fn create_session(&self) -> Reply {
        let n = {
            let mut c = self
                .session_counter
                .lock()
                .unwrap_or_else(|e| e.into_inner());
            *c += 1;
            *c
        };
        // Not a secret worth protecting: simulated BMCs on loopback.
        let token = format!("sim-{}-{n:016x}", self.plan.index);
        self.sessions
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(token.clone());
        let uri = format!("/redfish/v1/SessionService/Sessions/{n}");
        Reply {
            status: 201,
            body: Some(json!({
                "@odata.type": "#Session.v1_3_0.Session",
                "@odata.id": uri,
                "Id": n.to_string(),
                "Name": "User Session",
                "UserName": self.plan.username,
            })),
            headers: vec![("X-Auth-Token", token), ("Location", uri)],
        }
    }

    fn delete_session(&self, id: &str) -> Reply {
        let suffix = format!("-{:016x}", id.parse::<u64>().unwrap_or(u64::MAX));
        let mut sessions = self.sessions.lock().unwrap_or_else(|e| e.into_inner());
        let before = sessions.len();
        sessions.retain(|t| !t.ends_with(&suffix));
        if sessions.len() == before {
            return Reply::not_found(&format!("/redfish/v1/SessionService/Sessions/{id}"));
        }
        Reply {
            status: 204,
            body: None,
            headers: Vec::new(),
        }
    }

    /// The unauthenticated service root.
    pub fn service_root(&self) -> Reply {
        Reply::ok(json!({
            "@odata.type": "#ServiceRoot.v1_15_0.ServiceRoot",
            "@odata.id": "/redfish/v1/",
            "Id": "RootService",
            "Name": "Root Service",
            "RedfishVersion": "1.17.0",
            "UUID": self.plan.manager_uuid,
            "Vendor": "ochami-rs redfish-sim",
            "Product": "Simulated BMC",
            "Systems": {"@odata.id": "/redfish/v1/Systems"},
            "Chassis": {"@odata.id": "/redfish/v1/Chassis"},
            "Managers": {"@odata.id": "/redfish/v1/Managers"},
            "SessionService": {"@odata.id": "/redfish/v1/SessionService"},
            "AccountService": {"@odata.id": "/redfish/v1/AccountService"},
            "Links": {"Sessions": {"@odata.id": "/redfish/v1/SessionService/Sessions"}},
        }))
    }

    /// An authenticated request. `path` has no query string and no trailing slash.
    pub fn handle(&self, method: &str, path: &str, body: &[u8]) -> Reply {
        let segs: Vec<&str> = path
            .trim_start_matches("/redfish/v1")
            .split('/')
            .filter(|s| !s.is_empty())
            .collect();
        match (method, segs.as_slice()) {
            ("GET", []) => self.service_root(),
            ("GET", ["SessionService"]) => Reply::ok(json!({
                "@odata.type": "#SessionService.v1_1_8.SessionService",
                "@odata.id": "/redfish/v1/SessionService",
                "Id": "SessionService", "Name": "Session Service",
                "ServiceEnabled": true, "SessionTimeout": 1800,
                "Sessions": {"@odata.id": "/redfish/v1/SessionService/Sessions"},
            })),
            ("GET", ["SessionService", "Sessions"]) => {
                let n = *self
                    .session_counter
                    .lock()
                    .unwrap_or_else(|e| e.into_inner());
                let live: Vec<String> = (1..=n)
                    .filter(|k| {
                        let suffix = format!("-{k:016x}");
                        self.sessions
                            .lock()
                            .unwrap_or_else(|e| e.into_inner())
                            .iter()
                            .any(|t| t.ends_with(&suffix))
                    })
                    .map(|k| format!("/redfish/v1/SessionService/Sessions/{k}"))
                    .collect();
                Reply::ok(collection(
                    "#SessionCollection.SessionCollection",
                    "/redfish/v1/SessionService/Sessions",
                    "Session Collection",
                    live,
                ))
            }
            ("DELETE", ["SessionService", "Sessions", id]) => self.delete_session(id),
            ("GET", ["AccountService", rest @ ..]) => self.account_service(rest, path),
            ("GET", ["Systems"]) => Reply::ok(collection(
                "#ComputerSystemCollection.ComputerSystemCollection",
                "/redfish/v1/Systems",
                "Computer System Collection",
                self.plan
                    .systems
                    .iter()
                    .map(|s| format!("/redfish/v1/Systems/{}", s.id))
                    .collect(),
            )),
            (_, ["Systems", id, rest @ ..]) => match self.system_index(id) {
                Some(j) => self.system(method, j, rest, body, path),
                None => Reply::not_found(path),
            },
            ("GET", ["Managers"]) => Reply::ok(collection(
                "#ManagerCollection.ManagerCollection",
                "/redfish/v1/Managers",
                "Manager Collection",
                vec![format!("/redfish/v1/Managers/{MANAGER}")],
            )),
            ("GET", ["Managers", MANAGER, rest @ ..]) => self.manager(rest, path),
            ("GET", ["Chassis"]) => Reply::ok(collection(
                "#ChassisCollection.ChassisCollection",
                "/redfish/v1/Chassis",
                "Chassis Collection",
                (0..self.plan.systems.len())
                    .map(|j| format!("/redfish/v1/Chassis/{}", chassis_id(j)))
                    .collect(),
            )),
            ("GET", ["Chassis", id, rest @ ..]) => {
                match id
                    .strip_prefix("Chassis")
                    .and_then(|n| n.parse::<usize>().ok())
                    .filter(|j| *j < self.plan.systems.len())
                {
                    Some(j) => self.chassis(j, rest, path),
                    None => Reply::not_found(path),
                }
            }
            ("GET", _) => Reply::not_found(path),
            _ => Reply::error(
                405,
                "OperationNotAllowed",
                &format!("{method} is not allowed on {path}."),
            ),
        }
    }

    /// One account (the configured user, an Administrator) and the three
    /// predefined roles (DSP0266 §13.2.8).
    fn account_service(&self, rest: &[&str], path: &str) -> Reply {
        const BASE: &str = "/redfish/v1/AccountService";
        const ROLES: &[(&str, &[&str])] = &[
            (
                "Administrator",
                &[
                    "Login",
                    "ConfigureManager",
                    "ConfigureUsers",
                    "ConfigureSelf",
                    "ConfigureComponents",
                ],
            ),
            (
                "Operator",
                &["Login", "ConfigureSelf", "ConfigureComponents"],
            ),
            ("ReadOnly", &["Login", "ConfigureSelf"]),
        ];
        match rest {
            [] => Reply::ok(json!({
                "@odata.type": "#AccountService.v1_13_0.AccountService",
                "@odata.id": BASE,
                "Id": "AccountService",
                "Name": "Account Service",
                "ServiceEnabled": true,
                "Accounts": {"@odata.id": format!("{BASE}/Accounts")},
                "Roles": {"@odata.id": format!("{BASE}/Roles")},
            })),
            ["Accounts"] => Reply::ok(collection(
                "#ManagerAccountCollection.ManagerAccountCollection",
                &format!("{BASE}/Accounts"),
                "Accounts Collection",
                vec![format!("{BASE}/Accounts/1")],
            )),
            ["Accounts", "1"] => Reply::ok(json!({
                "@odata.type": "#ManagerAccount.v1_10_0.ManagerAccount",
                "@odata.id": format!("{BASE}/Accounts/1"),
                "Id": "1",
                "Name": "User Account",
                "UserName": self.plan.username,
                "RoleId": "Administrator",
                "Enabled": true,
                "Locked": false,
                "Password": null,
                "Links": {"Role": {"@odata.id": format!("{BASE}/Roles/Administrator")}},
            })),
            ["Roles"] => Reply::ok(collection(
                "#RoleCollection.RoleCollection",
                &format!("{BASE}/Roles"),
                "Roles Collection",
                ROLES
                    .iter()
                    .map(|(r, _)| format!("{BASE}/Roles/{r}"))
                    .collect(),
            )),
            ["Roles", id] => match ROLES.iter().find(|(r, _)| r == id) {
                Some((r, privs)) => Reply::ok(json!({
                    "@odata.type": "#Role.v1_3_1.Role",
                    "@odata.id": format!("{BASE}/Roles/{r}"),
                    "Id": r,
                    "Name": format!("{r} Role"),
                    "RoleId": r,
                    "IsPredefined": true,
                    "AssignedPrivileges": privs,
                })),
                None => Reply::not_found(path),
            },
            _ => Reply::not_found(path),
        }
    }

    fn system_index(&self, id: &str) -> Option<usize> {
        self.plan.systems.iter().position(|s| s.id == id)
    }

    fn system(&self, method: &str, j: usize, rest: &[&str], body: &[u8], path: &str) -> Reply {
        let sys = &self.plan.systems[j];
        let base = format!("/redfish/v1/Systems/{}", sys.id);
        match (method, rest) {
            ("GET", []) => Reply::ok(self.system_resource(j, sys, &base)),
            ("GET", ["EthernetInterfaces"]) => Reply::ok(collection(
                "#EthernetInterfaceCollection.EthernetInterfaceCollection",
                &format!("{base}/EthernetInterfaces"),
                "Ethernet Interface Collection",
                if self.plan.nics_under_manager {
                    Vec::new()
                } else {
                    (0..sys.macs.len())
                        .map(|k| format!("{base}/EthernetInterfaces/eth{k}"))
                        .collect()
                },
            )),
            ("GET", ["EthernetInterfaces", nic]) if !self.plan.nics_under_manager => {
                match nic
                    .strip_prefix("eth")
                    .and_then(|k| k.parse::<usize>().ok())
                {
                    Some(k) if k < sys.macs.len() => Reply::ok(nic_resource(
                        &format!("{base}/EthernetInterfaces/eth{k}"),
                        &format!("eth{k}"),
                        &sys.macs[k].to_string(),
                        "Node network interface",
                        None,
                    )),
                    _ => Reply::not_found(path),
                }
            }
            ("GET", ["Processors"]) => Reply::ok(collection(
                "#ProcessorCollection.ProcessorCollection",
                &format!("{base}/Processors"),
                "Processors Collection",
                (0..2)
                    .map(|p| format!("{base}/Processors/CPU{p}"))
                    .collect(),
            )),
            ("GET", ["Processors", cpu]) if matches!(*cpu, "CPU0" | "CPU1") => Reply::ok(json!({
                "@odata.type": "#Processor.v1_18_0.Processor",
                "@odata.id": format!("{base}/Processors/{cpu}"),
                "Id": cpu, "Name": "Processor",
                "Socket": cpu,
                "ProcessorType": "CPU", "ProcessorArchitecture": "x86",
                "InstructionSet": "x86-64",
                "Manufacturer": "AMD", "Model": "AMD EPYC 7713 64-Core Processor",
                "MaxSpeedMHz": 3720, "TotalCores": 64, "TotalThreads": 128,
                "Status": {"State": "Enabled", "Health": "OK"},
            })),
            ("GET", ["Memory"]) => Reply::ok(collection(
                "#MemoryCollection.MemoryCollection",
                &format!("{base}/Memory"),
                "Memory Collection",
                (0..4).map(|m| format!("{base}/Memory/DIMM{m}")).collect(),
            )),
            ("GET", ["Memory", dimm])
                if dimm
                    .strip_prefix("DIMM")
                    .and_then(|n| n.parse::<u8>().ok())
                    .is_some_and(|n| n < 4) =>
            {
                Reply::ok(json!({
                    "@odata.type": "#Memory.v1_17_0.Memory",
                    "@odata.id": format!("{base}/Memory/{dimm}"),
                    "Id": dimm, "Name": format!("Memory {dimm}"),
                    "MemoryDeviceType": "DDR4", "CapacityMiB": 65536,
                    "OperatingSpeedMhz": 3200, "Manufacturer": "Samsung",
                    "PartNumber": "M393A8G40AB2-CWE", "SerialNumber": format!("S{:08X}{dimm}", self.plan.index),
                    "Status": {"State": "Enabled", "Health": "OK"},
                }))
            }
            ("GET", ["NetworkInterfaces"]) => Reply::ok(collection(
                "#NetworkInterfaceCollection.NetworkInterfaceCollection",
                &format!("{base}/NetworkInterfaces"),
                "Network Interface Collection",
                vec![format!("{base}/NetworkInterfaces/NIC0")],
            )),
            ("GET", ["NetworkInterfaces", "NIC0"]) => Reply::ok(json!({
                "@odata.type": "#NetworkInterface.v1_2_1.NetworkInterface",
                "@odata.id": format!("{base}/NetworkInterfaces/NIC0"),
                "Id": "NIC0", "Name": "Network Interface", "Description": "Onboard NIC",
                "Links": {"NetworkAdapter": {"@odata.id": format!("/redfish/v1/Chassis/{}/NetworkAdapters/NIC0", chassis_id(j))}},
            })),
            ("GET", ["ResetActionInfo"]) => Reply::ok(json!({
                "@odata.type": "#ActionInfo.v1_3_0.ActionInfo",
                "@odata.id": format!("{base}/ResetActionInfo"),
                "Id": "ResetActionInfo", "Name": "Reset Action Info",
                "Parameters": [{"Name": "ResetType", "Required": true, "DataType": "String", "AllowableValues": RESET_TYPES}],
            })),
            ("POST", ["Actions", "ComputerSystem.Reset"]) => self.reset(j, body),
            ("GET", _) => Reply::not_found(path),
            _ => Reply::error(
                405,
                "OperationNotAllowed",
                &format!("{method} is not allowed on {path}."),
            ),
        }
    }

    fn system_resource(&self, j: usize, sys: &SystemPlan, base: &str) -> Value {
        json!({
            "@odata.type": "#ComputerSystem.v1_20_0.ComputerSystem",
            "@odata.id": base,
            "Id": sys.id,
            "Name": format!("Simulated node {}", sys.id),
            "SystemType": "Physical",
            "Manufacturer": "ochami-rs",
            "Model": "SimNode 1000",
            "SerialNumber": format!("SIM{:06}N{j}", self.plan.index),
            "SKU": "SIM-1000",
            "UUID": sys.uuid,
            "HostName": "",
            "BiosVersion": "1.2.3",
            "PowerState": self.power_state(j).unwrap_or("Off"),
            "PowerRestorePolicy": "AlwaysOff",
            "Status": {"State": "Enabled", "Health": "OK"},
            "ProcessorSummary": {"Count": 2, "Model": "AMD EPYC 7713 64-Core Processor", "CoreCount": 128},
            "MemorySummary": {"TotalSystemMemoryGiB": 256},
            "Boot": {
                "BootSourceOverrideEnabled": "Disabled",
                "BootSourceOverrideTarget": "None",
                "BootSourceOverrideTarget@Redfish.AllowableValues": ["None", "Pxe", "Hdd", "UefiHttp"],
            },
            "SerialConsole": {
                "IPMI": {"ServiceEnabled": true, "Port": 623},
                "SSH": {"ServiceEnabled": true, "Port": 2200},
            },
            "EthernetInterfaces": {"@odata.id": format!("{base}/EthernetInterfaces")},
            "NetworkInterfaces": {"@odata.id": format!("{base}/NetworkInterfaces")},
            "Processors": {"@odata.id": format!("{base}/Processors")},
            "Memory": {"@odata.id": format!("{base}/Memory")},
            "Links": {
                "Chassis": [{"@odata.id": format!("/redfish/v1/Chassis/{}", chassis_id(j))}],
                "ManagedBy": [{"@odata.id": format!("/redfish/v1/Managers/{MANAGER}")}],
            },
            "Actions": {
                "#ComputerSystem.Reset": {
                    "target": format!("{base}/Actions/ComputerSystem.Reset"),
                    "ResetType@Redfish.AllowableValues": RESET_TYPES,
                    "@Redfish.ActionInfo": format!("{base}/ResetActionInfo"),
                }
            },
        })
    }

    fn reset(&self, j: usize, body: &[u8]) -> Reply {
        let reset_type = serde_json::from_slice::<Value>(body).ok().and_then(|v| {
            v.get("ResetType")
                .and_then(Value::as_str)
                .map(str::to_owned)
        });
        let Some(reset_type) = reset_type else {
            return Reply::error(
                400,
                "PropertyMissing",
                "The property ResetType is a required property and must be included in the request.",
            );
        };
        if !RESET_TYPES.contains(&reset_type.as_str()) {
            return Reply::error(
                400,
                "ActionParameterValueNotInList",
                &format!("The value '{reset_type}' for the parameter ResetType is not in the list of acceptable values."),
            );
        }
        let sys = &self.plan.systems[j];
        {
            let mut power = self.power.lock().unwrap_or_else(|e| e.into_inner());
            let Some(p) = power.get_mut(j) else {
                return Reply::not_found(&sys.id);
            };
            p.resets = p.resets.saturating_add(1);
            if p.resets <= sys.stubborn {
                // Accepted and ignored, as a stubborn node does.
                tracing::info!(bmc = %self.plan.address, system = %sys.id, %reset_type, "reset ignored (stubborn)");
                return Reply {
                    status: 204,
                    body: None,
                    headers: Vec::new(),
                };
            }
            let now = Instant::now();
            let on = match reset_type.as_str() {
                "ForceOff" | "GracefulShutdown" => false,
                "PushPowerButton" => !p.on,
                // Nmi leaves the power alone; everything else ends up on.
                "Nmi" => p.on,
                _ => true,
            };
            if on != p.on {
                let transition = self.plan.power_transition;
                p.settles_at = (!transition.is_zero()).then(|| now + transition);
            }
            p.on = on;
        }
        if let Some(cmd) = sys.on_reset.get(&reset_type) {
            self.run_hook(cmd, sys, &reset_type);
        }
        tracing::info!(bmc = %self.plan.address, system = %sys.id, %reset_type, "reset");
        Reply {
            status: 204,
            body: None,
            headers: Vec::new(),
        }
    }

    /// Run the configured host command without waiting for it: it may start a
    /// long-lived VM. The child is reaped in the background.
    fn run_hook(&self, cmd: &str, sys: &SystemPlan, reset_type: &str) {
        let child = tokio::process::Command::new("sh")
            .arg("-c")
            .arg(cmd)
            .env("REDFISH_SIM_BMC", self.plan.address.to_string())
            .env("REDFISH_SIM_SYSTEM", &sys.id)
            .env("REDFISH_SIM_UUID", &sys.uuid)
            .env("REDFISH_SIM_RESET_TYPE", reset_type)
            .env(
                "REDFISH_SIM_MAC",
                sys.macs.first().map(|m| m.to_string()).unwrap_or_default(),
            )
            .stdin(Stdio::null())
            .spawn();
        match child {
            Ok(mut child) => {
                let what = format!("{reset_type} hook for {}", sys.id);
                tokio::spawn(async move {
                    match child.wait().await {
                        Ok(st) if st.success() => tracing::debug!("{what} finished"),
                        Ok(st) => tracing::warn!("{what} exited with {st}"),
                        Err(e) => tracing::warn!("{what}: {e}"),
                    }
                });
            }
            Err(e) => tracing::warn!("cannot run {reset_type} hook '{cmd}': {e}"),
        }
    }

    fn manager(&self, rest: &[&str], path: &str) -> Reply {
        let base = format!("/redfish/v1/Managers/{MANAGER}");
        let ip = self.plan.address.ip().to_string();
        let system_nics: Vec<(String, String)> = if self.plan.nics_under_manager {
            self.plan
                .systems
                .iter()
                .flat_map(|s| {
                    s.macs
                        .iter()
                        .enumerate()
                        .map(move |(k, m)| (format!("{}eth{k}", s.id), m.to_string()))
                })
                .collect()
        } else {
            Vec::new()
        };
        match rest {
            [] => Reply::ok(json!({
                "@odata.type": "#Manager.v1_19_0.Manager",
                "@odata.id": base,
                "Id": MANAGER,
                "Name": "Manager",
                "Description": "Simulated baseboard management controller",
                "ManagerType": "BMC",
                "Model": "SimBMC",
                "UUID": self.plan.manager_uuid,
                "FirmwareVersion": "2.0.0-sim",
                "PowerState": "On",
                "Status": {"State": "Enabled", "Health": "OK"},
                "EthernetInterfaces": {"@odata.id": format!("{base}/EthernetInterfaces")},
                "CommandShell": {"ServiceEnabled": true, "MaxConcurrentSessions": 4, "ConnectTypesSupported": ["SSH"]},
                "SerialConsole": {"ServiceEnabled": true, "MaxConcurrentSessions": 1, "ConnectTypesSupported": ["IPMI", "SSH"]},
                "Links": {
                    "ManagerForServers": self.plan.systems.iter().map(|s| json!({"@odata.id": format!("/redfish/v1/Systems/{}", s.id)})).collect::<Vec<_>>(),
                    "ManagerForChassis": (0..self.plan.systems.len()).map(|j| json!({"@odata.id": format!("/redfish/v1/Chassis/{}", chassis_id(j))})).collect::<Vec<_>>(),
                },
                "Actions": {"#Manager.Reset": {
                    "target": format!("{base}/Actions/Manager.Reset"),
                    "ResetType@Redfish.AllowableValues": ["GracefulRestart", "ForceRestart"],
                }},
            })),
            ["EthernetInterfaces"] => Reply::ok(collection(
                "#EthernetInterfaceCollection.EthernetInterfaceCollection",
                &format!("{base}/EthernetInterfaces"),
                "Ethernet Interface Collection",
                std::iter::once(format!("{base}/EthernetInterfaces/bmc0"))
                    .chain(
                        system_nics
                            .iter()
                            .map(|(id, _)| format!("{base}/EthernetInterfaces/{id}")),
                    )
                    .collect(),
            )),
            ["EthernetInterfaces", "bmc0"] => Reply::ok(nic_resource(
                &format!("{base}/EthernetInterfaces/bmc0"),
                "bmc0",
                &self.plan.manager_mac.to_string(),
                "Management network interface",
                Some(&ip),
            )),
            ["EthernetInterfaces", id] => match system_nics.iter().find(|(n, _)| n == id) {
                Some((n, mac)) => Reply::ok(nic_resource(
                    &format!("{base}/EthernetInterfaces/{n}"),
                    n,
                    mac,
                    "Node network interface (reported by the manager)",
                    None,
                )),
                None => Reply::not_found(path),
            },
            _ => Reply::not_found(path),
        }
    }

    fn chassis(&self, j: usize, rest: &[&str], path: &str) -> Reply {
        let id = chassis_id(j);
        let base = format!("/redfish/v1/Chassis/{id}");
        let sys = &self.plan.systems[j];
        match rest {
            [] => Reply::ok(json!({
                "@odata.type": "#Chassis.v1_23_0.Chassis",
                "@odata.id": base,
                "Id": id,
                "Name": format!("Chassis of {}", sys.id),
                "ChassisType": "RackMount",
                "Manufacturer": "ochami-rs",
                "Model": "SimChassis",
                "SKU": "SIM-CH-1",
                "SerialNumber": format!("SIMCH{:06}{j}", self.plan.index),
                "AssetTag": "",
                "PowerState": self.power_state(j).unwrap_or("Off"),
                "Status": {"State": "Enabled", "Health": "OK"},
                "Power": {"@odata.id": format!("{base}/Power")},
                "NetworkAdapters": {"@odata.id": format!("{base}/NetworkAdapters")},
                "Links": {
                    "ComputerSystems": [{"@odata.id": format!("/redfish/v1/Systems/{}", sys.id)}],
                    "ManagedBy": [{"@odata.id": format!("/redfish/v1/Managers/{MANAGER}")}],
                },
            })),
            ["Power"] => Reply::ok(json!({
                "@odata.type": "#Power.v1_7_1.Power",
                "@odata.id": format!("{base}/Power"),
                "Id": "Power",
                "Name": "Power",
                "PowerControl": [{
                    "@odata.id": format!("{base}/Power#/PowerControl/0"),
                    "MemberId": "0",
                    "Name": "System Power Control",
                    "PowerConsumedWatts": if self.power_state(j) == Some("On") { 312 } else { 0 },
                    "PowerCapacityWatts": 1600,
                }],
            })),
            ["NetworkAdapters"] => Reply::ok(collection(
                "#NetworkAdapterCollection.NetworkAdapterCollection",
                &format!("{base}/NetworkAdapters"),
                "Network Adapter Collection",
                vec![format!("{base}/NetworkAdapters/NIC0")],
            )),
            ["NetworkAdapters", "NIC0"] => Reply::ok(json!({
                "@odata.type": "#NetworkAdapter.v1_9_0.NetworkAdapter",
                "@odata.id": format!("{base}/NetworkAdapters/NIC0"),
                "Id": "NIC0", "Name": "Network Adapter", "Description": "Onboard 25GbE",
                "Manufacturer": "Mellanox", "Model": "ConnectX-6 Lx", "SerialNumber": format!("MT{:06}{j}", self.plan.index),
            })),
            _ => Reply::not_found(path),
        }
    }
}

fn nic_resource(uri: &str, id: &str, mac: &str, description: &str, ip: Option<&str>) -> Value {
    let ipv4: Vec<Value> = ip
        .map(|a| {
            vec![json!({"Address": a, "SubnetMask": "255.255.0.0", "AddressOrigin": "Static", "Gateway": "0.0.0.0"})]
        })
        .unwrap_or_default();
    json!({
        "@odata.type": "#EthernetInterface.v1_9_0.EthernetInterface",
        "@odata.id": uri,
        "Id": id,
        "Name": id,
        "Description": description,
        "InterfaceEnabled": true,
        "LinkStatus": "LinkUp",
        "MACAddress": mac,
        "PermanentMACAddress": mac,
        "SpeedMbps": 25000,
        "IPv4Addresses": ipv4,
        "Status": {"State": "Enabled", "Health": "OK"},
    })
}

/// Schemas the simulated resources use, as `$metadata` references them.
const SCHEMAS: &[(&str, &str)] = &[
    ("ServiceRoot", "ServiceRoot.v1_15_0"),
    ("ComputerSystemCollection", "ComputerSystemCollection"),
    ("ComputerSystem", "ComputerSystem.v1_20_0"),
    ("EthernetInterfaceCollection", "EthernetInterfaceCollection"),
    ("EthernetInterface", "EthernetInterface.v1_9_0"),
    ("ProcessorCollection", "ProcessorCollection"),
    ("Processor", "Processor.v1_18_0"),
    ("MemoryCollection", "MemoryCollection"),
    ("Memory", "Memory.v1_17_0"),
    ("NetworkInterfaceCollection", "NetworkInterfaceCollection"),
    ("NetworkInterface", "NetworkInterface.v1_2_1"),
    ("NetworkAdapterCollection", "NetworkAdapterCollection"),
    ("NetworkAdapter", "NetworkAdapter.v1_9_0"),
    ("ManagerCollection", "ManagerCollection"),
    ("Manager", "Manager.v1_19_0"),
    ("ChassisCollection", "ChassisCollection"),
    ("Chassis", "Chassis.v1_23_0"),
    ("Power", "Power.v1_7_1"),
    ("SessionService", "SessionService.v1_1_8"),
    ("AccountService", "AccountService.v1_13_0"),
    ("ManagerAccountCollection", "ManagerAccountCollection"),
    ("ManagerAccount", "ManagerAccount.v1_10_0"),
    ("RoleCollection", "RoleCollection"),
    ("Role", "Role.v1_3_1"),
    ("SessionCollection", "SessionCollection"),
    ("Session", "Session.v1_3_0"),
    ("ActionInfo", "ActionInfo.v1_3_0"),
    ("Message", "Message.v1_1_1"),
];

/// The OData CSDL `$metadata` document (DSP0266 §8.4): references to the DMTF
/// schemas of every resource type served.
pub fn metadata_xml() -> String {
    let mut xml = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<edmx:Edmx xmlns:edmx=\"http://docs.oasis-open.org/odata/ns/edmx\" Version=\"4.0\">\n",
    );
    for (file, ns) in SCHEMAS {
        xml.push_str(&format!(
            "  <edmx:Reference Uri=\"http://redfish.dmtf.org/schemas/v1/{file}_v1.xml\">\n    <edmx:Include Namespace=\"{file}\"/>\n{}  </edmx:Reference>\n",
            if ns != file {
                format!("    <edmx:Include Namespace=\"{ns}\"/>\n")
            } else {
                String::new()
            }
        ));
    }
    xml.push_str(
        "  <edmx:DataServices>\n    <Schema xmlns=\"http://docs.oasis-open.org/odata/ns/edm\" Namespace=\"Service\">\n      <EntityContainer Name=\"Service\" Extends=\"ServiceRoot.v1_15_0.ServiceContainer\"/>\n    </Schema>\n  </edmx:DataServices>\n</edmx:Edmx>\n",
    );
    xml
}

/// The OData service document (`/redfish/v1/odata`).
pub fn odata_service_document() -> Reply {
    Reply::ok(json!({
        "@odata.context": "/redfish/v1/$metadata",
        "value": [
            {"name": "Service", "kind": "Singleton", "url": "/redfish/v1/"},
            {"name": "Systems", "kind": "Singleton", "url": "/redfish/v1/Systems"},
            {"name": "Chassis", "kind": "Singleton", "url": "/redfish/v1/Chassis"},
            {"name": "Managers", "kind": "Singleton", "url": "/redfish/v1/Managers"},
            {"name": "SessionService", "kind": "Singleton", "url": "/redfish/v1/SessionService"},
        ]
    }))
}
