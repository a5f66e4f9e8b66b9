//! The standing fault suite, short (issue 17): `orderflow chaos` on
//! PostgreSQL with two replicas of every service, a batch of orders under
//! each fault (none, NATS down, `kill -9` of each service in turn, the
//! databases refusing connections for longer than the old dead-letter
//! back-off lasted), then the accounts. It needs the services' binaries
//! beside `orderflow` (`cargo test --workspace` builds them) and a
//! PostgreSQL server (`ORDERFLOW_TEST_DATABASE_URL`, which CI sets); without
//! one it says so and passes, as the other PostgreSQL tests do.

use std::process::Stdio;

use orderflow_platform::testing::{POSTGRES_URL_VARIABLE, nats_server_binary, postgres_configured};

const ORDERFLOW: &str = env!("CARGO_BIN_EXE_orderflow");

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn orders_complete_exactly_once_through_nats_outages_kills_and_database_outages() {
    if !postgres_configured() {
        eprintln!("{POSTGRES_URL_VARIABLE} is not set: the fault suite needs PostgreSQL; skipped");
        return;
    }
    let report = std::env::temp_dir().join(format!("orderflow-faults-{}.json", std::process::id()));
    let output = tokio::process::Command::new(ORDERFLOW)
        .arg("chaos")
        .args(["--orders", "12", "--rate", "4"])
        .args(["--nats-outage-secs", "8", "--database-outage-secs", "40"])
        .args(["--order-timeout-secs", "240"])
        .arg("--nats-server")
        .arg(nats_server_binary())
        .arg("--out")
        .arg(&report)
        .stdin(Stdio::null())
        .output()
        .await
        .unwrap_or_else(|e| panic!("cannot run orderflow chaos: {e}"));
    let printed = String::from_utf8_lossy(&output.stdout);
    let complaint = String::from_utf8_lossy(&output.stderr);
    println!("{printed}");
    assert!(
        output.status.success(),
        "the fault suite failed:\n{printed}\n{complaint}"
    );
    let report: serde_json::Value = serde_json::from_slice(
        &std::fs::read(&report).unwrap_or_else(|e| panic!("no report: {e}")),
    )
    .unwrap_or_else(|e| panic!("not JSON: {e}"));
    let phases = report["phases"]
        .as_array()
        .unwrap_or_else(|| panic!("no phases in {report}"));
    let faults: Vec<&str> = phases
        .iter()
        .filter_map(|phase| phase["fault"].as_str())
        .collect();
    assert_eq!(faults, ["calm", "nats", "kill", "database"]);
    for phase in phases {
        assert_eq!(phase["completed"], 12, "{phase}");
    }
    assert_eq!(report["books"]["dead_letters"], 0, "{report}");
    assert_eq!(report["passed"], true, "{report}");
}
