//! Test harness for ochami's services, against real PostgreSQL.
//!
//! [`cluster`] starts one throwaway PostgreSQL cluster per test process (the
//! system's initdb/pg_ctl, as an unprivileged user when root; deleted when the
//! process exits). [`database`] gives each test a fresh database with a
//! service's migrations applied (copied from a template migrated once per
//! process). [`spawn_smd`] / [`spawn_bss`] start the real service
//! in-process on `127.0.0.1:0` and return its base URL; the server stops when
//! the handle is dropped. [`need`] is the one skip policy of every test: what
//! a test needs and cannot find fails it, unless `OCHAMI_SKIP` names it.
//! [`schemathesis`] runs schemathesis against one.

pub use ochami_e2e::need;
pub mod schemathesis;

use std::net::TcpListener;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::OnceLock;

use actix_web::dev::ServerHandle;
use localpg::Cluster;
use ochami_service::db::{self, Migration};

static CLUSTER: OnceLock<Cluster> = OnceLock::new();
static NEXT_DB: AtomicU32 = AtomicU32::new(0);

/// The process's throwaway cluster, started on first use.
pub fn cluster() -> &'static Cluster {
    CLUSTER.get_or_init(|| {
        Cluster::temporary().unwrap_or_else(|e| panic!("cannot start PostgreSQL for tests: {e}"))
    })
}

/// `CREATE DATABASE name [TEMPLATE template]` on the test cluster; its URL.
async fn create_database(name: &str, template: Option<&str>) -> String {
    let c = cluster();
    let admin = db::connect(&c.url("postgres"))
        .await
        .expect("connect to the test cluster");
    let copy = template
        .map(|t| format!(" TEMPLATE {t}"))
        .unwrap_or_default();
    admin
        .batch_execute(&format!("CREATE DATABASE {name}{copy}"))
        .await
        .unwrap_or_else(|e| panic!("create database {name}{copy}: {e}"));
    c.url(name)
}

/// A database name no other test of this process has.
fn fresh_name() -> String {
    format!(
        "t{}_{}",
        std::process::id(),
        NEXT_DB.fetch_add(1, Ordering::Relaxed)
    )
}

/// A new empty database on the test cluster; returns its URL.
pub async fn empty_database() -> String {
    create_database(&fresh_name(), None).await
}

/// A new database with `migrations` applied as `service`; returns its URL.
/// The migrations run once per test process, into a template database;
/// each test's database is a copy of it (`CREATE DATABASE … TEMPLATE …`).
pub async fn database(service: &str, migrations: &[Migration]) -> String {
    let template = template(service, migrations).await;
    create_database(&fresh_name(), Some(&template)).await
}

/// Templates made in this process, by service.
static TEMPLATES: tokio::sync::Mutex<Vec<String>> = tokio::sync::Mutex::const_new(Vec::new());

/// The migrated template database for `service`, made on first use.
async fn template(service: &str, migrations: &[Migration]) -> String {
    let name = format!(
        "template_{}",
        service.replace(|c: char| !c.is_ascii_alphanumeric(), "_")
    );
    let mut made = TEMPLATES.lock().await;
    if !made.contains(&name) {
        let url = create_database(&name, None).await;
        let mut client = db::connect(&url)
            .await
            .expect("connect to the template database");
        db::migrate(&mut client, service, migrations)
            .await
            .expect("migrations apply");
        // Copies need it to have no connections (PostgreSQL waits up to 5 s
        // for this one to go).
        drop(client);
        made.push(name.clone());
    }
    name
}

/// A service running in-process. Dropping it stops the server.
pub struct TestServer {
    /// Base URL, e.g. `http://127.0.0.1:41234`.
    pub url: String,
    /// The database it uses.
    pub db_url: String,
    handle: ServerHandle,
}

impl TestServer {
    /// `url` + `path`.
    pub fn at(&self, path: &str) -> String {
        format!("{}{path}", self.url)
    }

    /// Stop serving (and wait for it).
    pub async fn stop(&self) {
        self.handle.stop(false).await;
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        let handle = self.handle.clone();
        // Stopping is async; do it where a runtime is around, else let the
        // process end take it down.
        if let Ok(rt) = tokio::runtime::Handle::try_current() {
            rt.spawn(async move { handle.stop(false).await });
        }
    }
}

fn local_listener() -> TcpListener {
    TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0")
}

/// smd on a fresh, migrated database.
pub async fn spawn_smd() -> TestServer {
    spawn_smd_with(|_| {}).await
}

/// smd on a fresh, migrated database, after `tweak` adjusts its config.
pub async fn spawn_smd_with(tweak: impl FnOnce(&mut smd::Config)) -> TestServer {
    let db_url = database("smd", smd::MIGRATIONS).await;
    let mut config = smd::Config {
        workers: 2,
        db_pool_size: 4,
        ..Default::default()
    };
    config.db.database_url = Some(db_url.clone());
    tweak(&mut config);
    let service = smd::build(config, local_listener())
        .await
        .expect("smd starts");
    let (addr, handle) = service.spawn();
    TestServer {
        url: format!("http://{addr}"),
        db_url,
        handle,
    }
}

/// bss on a fresh, migrated database, finding smd at `smd_url`.
pub async fn spawn_bss(smd_url: &str) -> TestServer {
    spawn_bss_with(smd_url, |_| {}).await
}

/// bss with a config tweak.
pub async fn spawn_bss_with(smd_url: &str, tweak: impl FnOnce(&mut bss::Config)) -> TestServer {
    spawn_bss_at(smd_url, |c, _| tweak(c)).await
}

/// bss with a config tweak that may use bss's own base URL (e.g. for
/// callbacks such as `scn_url`).
pub async fn spawn_bss_at(smd_url: &str, tweak: impl FnOnce(&mut bss::Config, &str)) -> TestServer {
    let listener = local_listener();
    let own_url = format!("http://{}", listener.local_addr().expect("bound address"));
    let db_url = database("bss", bss::MIGRATIONS).await;
    let mut config = bss::Config {
        workers: 2,
        db_pool_size: 4,
        smd_url: url::Url::parse(smd_url).expect("smd url"),
        ..Default::default()
    };
    config.db.database_url = Some(db_url.clone());
    tweak(&mut config, &own_url);
    let service = bss::build(config, listener).await.expect("bss starts");
    let (addr, handle) = service.spawn();
    TestServer {
        url: format!("http://{addr}"),
        db_url,
        handle,
    }
}
