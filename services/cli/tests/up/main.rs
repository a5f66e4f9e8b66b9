//! The README's first command, for real: `orderflow up --demo` in an empty
//! directory starts NATS and every service, walks the demo's five orders to
//! their ends, answers reflection and stops cleanly on SIGTERM.

use std::process::Stdio;
use std::time::Duration;

use orderflow_platform::testing::free_port;
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::Command;

const ORDERFLOW: &str = env!("CARGO_BIN_EXE_orderflow");

async fn nats_answers(url: &str) -> bool {
    matches!(
        tokio::time::timeout(Duration::from_secs(2), async_nats::connect(url)).await,
        Ok(Ok(_))
    )
}

async fn list_services(port: u16) -> Vec<String> {
    use tonic_reflection::pb::v1::ServerReflectionRequest;
    use tonic_reflection::pb::v1::server_reflection_client::ServerReflectionClient;
    use tonic_reflection::pb::v1::server_reflection_request::MessageRequest;
    use tonic_reflection::pb::v1::server_reflection_response::MessageResponse;

    let channel = tonic::transport::Channel::from_shared(format!("http://127.0.0.1:{port}"))
        .unwrap_or_else(|e| panic!("{e}"))
        .connect()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let request = ServerReflectionRequest {
        host: String::new(),
        message_request: Some(MessageRequest::ListServices(String::new())),
    };
    let mut answers = ServerReflectionClient::new(channel)
        .server_reflection_info(futures::stream::iter(vec![request]))
        .await
        .unwrap_or_else(|s| panic!("{s:?}"))
        .into_inner();
    match answers
        .message()
        .await
        .ok()
        .flatten()
        .and_then(|a| a.message_response)
    {
        Some(MessageResponse::ListServicesResponse(list)) => {
            list.service.into_iter().map(|s| s.name).collect()
        }
        other => panic!("unexpected reflection answer: {other:?}"),
    }
}

/// The demo's stories, by their numbered headings ("1. ", "2. ", …), each
/// up to the next heading (the last one up to the end).
fn stories(output: &str) -> Vec<String> {
    let mut stories: Vec<String> = Vec::new();
    for line in output.lines() {
        let numbered = line.split_once(". ").is_some_and(|(number, _)| {
            !number.is_empty() && number.bytes().all(|b| b.is_ascii_digit())
        });
        if numbered {
            stories.push(String::new());
        }
        if let Some(story) = stories.last_mut() {
            story.push_str(line);
            story.push('\n');
        }
    }
    stories
}

/// The trace id a story ends with: its last line before the next heading
/// is "   trace <32 hex digits>".
fn ends_with_trace(story: &str) -> bool {
    story
        .lines()
        .rev()
        .find(|line| !line.trim().is_empty() && !line.contains("The demo ends here"))
        .and_then(|line| line.strip_prefix("   trace "))
        .is_some_and(|id| id.len() == 32 && id.bytes().all(|b| b.is_ascii_hexdigit()))
}

/// Where `needle` is in `haystack`, for the order of a story's lines.
fn at(haystack: &str, needle: &str) -> usize {
    haystack
        .find(needle)
        .unwrap_or_else(|| panic!("{needle:?} not in:\n{haystack}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn orderflow_up_starts_everything_walks_a_demo_order_and_stops_cleanly() {
    let directory = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let nats_url = format!("nats://127.0.0.1:{}", free_port());
    let port = free_port();
    let approvals_port = free_port();
    let inventory_port = free_port();
    let finance_port = free_port();
    let logistics_port = free_port();
    let aftersales_port = free_port();
    // Every service on a port the system just handed out: a default port
    // may be held by a connection of another test in TIME_WAIT.
    let production_port = free_port();
    let procurement_port = free_port();
    let mut up = Command::new(ORDERFLOW)
        .args(["up", "--demo"])
        .current_dir(directory.path())
        .env("NATS_URL", &nats_url)
        .env("ORDERS_GRPC_ADDR", format!("127.0.0.1:{port}"))
        .env("APPROVALS_GRPC_ADDR", format!("127.0.0.1:{approvals_port}"))
        .env("INVENTORY_GRPC_ADDR", format!("127.0.0.1:{inventory_port}"))
        .env("FINANCE_GRPC_ADDR", format!("127.0.0.1:{finance_port}"))
        .env("LOGISTICS_GRPC_ADDR", format!("127.0.0.1:{logistics_port}"))
        .env(
            "AFTERSALES_GRPC_ADDR",
            format!("127.0.0.1:{aftersales_port}"),
        )
        .env(
            "PRODUCTION_GRPC_ADDR",
            format!("127.0.0.1:{production_port}"),
        )
        .env(
            "PROCUREMENT_GRPC_ADDR",
            format!("127.0.0.1:{procurement_port}"),
        )
        .env_remove("ORDERS_URL")
        .env_remove("LOGISTICS_URL")
        .env_remove("APPROVALS_URL")
        .env_remove("INVENTORY_URL")
        .env_remove("FINANCE_URL")
        .env_remove("ORDERFLOW_JWT_SECRET")
        .env_remove("DATABASE_URL")
        .env("RUST_LOG", "info")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .unwrap_or_else(|e| panic!("cannot run orderflow: {e}"));
    let stdout = up.stdout.take().unwrap_or_else(|| panic!("no stdout"));
    let mut lines = BufReader::new(stdout).lines();
    let mut seen = Vec::new();
    let walked = tokio::time::timeout(Duration::from_secs(90), async {
        while let Ok(Some(line)) = lines.next_line().await {
            // After the five stories.
            let done = line.contains("The demo ends here");
            seen.push(line);
            if done {
                return true;
            }
        }
        false
    })
    .await;
    let output = seen.join("\n");
    if walked.ok() != Some(true) {
        // Why it stopped is on its standard error.
        let _ = up.start_kill();
        let mut stderr = String::new();
        if let Some(mut pipe) = up.stderr.take() {
            use tokio::io::AsyncReadExt as _;
            let _ = tokio::time::timeout(Duration::from_secs(5), pipe.read_to_string(&mut stderr))
                .await;
        }
        panic!("the demo did not finish:\n{output}\n--- stderr ---\n{stderr}");
    }
    assert!(output.contains("Orderflow is up."), "{output}");
    // The story only: the services' log lines are in the log file.
    assert!(
        !output.contains(" INFO ") && !output.contains("\u{1b}["),
        "log lines in the demo's output:\n{output}"
    );
    let logged = std::fs::read_to_string(directory.path().join("data/logs/orderflow.log"))
        .unwrap_or_default();
    assert!(logged.contains(" INFO "), "no service log in data/logs");
    assert!(
        output.contains("(started by orderflow up)"),
        "NATS was started for us:\n{output}"
    );
    assert!(
        output.contains("approval_not_required"),
        "the standard order passed: {output}"
    );
    assert!(
        output.contains("step 4 (gm) approved"),
        "the export order went through the GM: {output}"
    );
    assert!(
        output.contains("stock: all available (PUMP-100 3 of 3 available)")
            && output.contains("stock reserved in FG: PUMP-100 3 of 3"),
        "the standard order found its pumps and, once released, reserved them: {output}"
    );
    assert!(
        output.contains("release gate open: standard: the sales detail signed")
            || output.contains("release gate open: prepaid: the full amount confirmed"),
        "finance released the standard order: {output}"
    );
    assert!(
        output.contains("AWAITING_PAYMENT → RELEASED")
            && output.contains("RELEASED → READY_TO_SHIP")
            && output.contains("READY_TO_SHIP → SHIPPED")
            && output.contains("SHIPPED → DELIVERED")
            && output.contains("DELIVERED → COMPLETED"),
        "the standard order went all the way to COMPLETED: {output}"
    );
    assert!(
        output.contains("release gate open: lc: the L/C received and reviewed twice"),
        "finance released the export order on its L/C: {output}"
    );
    assert!(
        output.contains("stock short in FG (PUMP-100 0 of 8)"),
        "the export order's pumps are short, for production: {output}"
    );
    assert!(
        output.contains("stock: short (PUMP-100 2 of 8 available)"),
        "the export order wants more than is left: {output}"
    );
    // Five stories, each ending with the order's timeline and a trace id
    // to look it up by.
    let stories = stories(&output);
    assert_eq!(stories.len(), 5, "five stories:\n{output}");
    for story in &stories {
        assert!(
            ends_with_trace(story),
            "no trace id at the end of:\n{story}"
        );
    }
    // S1: the export order shipped against its accepted L/C, delivered,
    // and completed only once the bank's L/C proceeds were confirmed.
    let export = &stories[1];
    assert!(export.starts_with("2. An export order"), "{export}");
    let delivered = at(export, "SHIPPED → DELIVERED");
    let proceeds = at(export, "(L/C negotiation");
    let completed = at(export, "DELIVERED → COMPLETED");
    assert!(
        at(export, "READY_TO_SHIP → SHIPPED") < delivered
            && delivered < proceeds
            && proceeds < completed,
        "the export order: shipped, delivered, the L/C proceeds, completed:\n{export}"
    );
    assert!(
        export.contains("now DELIVERED") && export.contains("now COMPLETED"),
        "{export}"
    );
    // S10: the made-to-measure jacket from the store's measurements to the
    // customer's pick-up.
    let jacket = &stories[4];
    assert!(jacket.contains("made to measure"), "{jacket}");
    for (earlier, later) in [
        ("approval_step_decided", "AWAITING_PAYMENT → RELEASED"),
        ("AWAITING_PAYMENT → RELEASED", "fabric_ordered"),
        ("fabric_ordered", "fabric_shipped"),
        ("fabric_shipped", "RELEASED → IN_PRODUCTION"),
        ("RELEASED → IN_PRODUCTION", "IN_PRODUCTION → SHIPPED"),
        ("IN_PRODUCTION → SHIPPED", "SHIPPED → DELIVERED"),
        ("SHIPPED → DELIVERED", "DELIVERED → COMPLETED"),
    ] {
        assert!(
            at(jacket, earlier) < at(jacket, later),
            "{earlier} before {later}:\n{jacket}"
        );
    }
    assert!(
        jacket.contains("step 3 (commerce) approved")
            && jacket.contains("balance payment of 2660.00 CNY confirmed")
            && jacket.contains("now COMPLETED"),
        "{jacket}"
    );
    assert!(nats_answers(&nats_url).await);

    let services = list_services(port).await;
    assert!(
        services.contains(&"orderflow.orders.v1.OrderService".to_owned()),
        "{services:?}"
    );
    assert!(
        services.contains(&"grpc.health.v1.Health".to_owned()),
        "{services:?}"
    );
    // S7: the cracked pump quarantined and 400.00 refunded once the GM
    // approved; S9: the exchange's replacement order.
    assert!(
        output.contains("damaged worth 400.00 CNY, quarantined")
            && output.contains("finance refunded 400.00 CNY"),
        "{output}"
    );
    assert!(
        output.contains("replacement order") && output.contains("price difference 0.00 CNY"),
        "{output}"
    );
    assert!(directory.path().join("data/aftersales.db").exists());
    assert!(directory.path().join("data/jwt-secret").exists());
    assert!(directory.path().join("data/orders.db").exists());
    assert!(directory.path().join("data/approvals.db").exists());
    assert!(directory.path().join("data/inventory.db").exists());
    assert!(directory.path().join("data/finance.db").exists());
    assert!(directory.path().join("data/logistics.db").exists());
    let services = list_services(finance_port).await;
    assert!(
        services.contains(&"orderflow.finance.v1.FinanceService".to_owned()),
        "{services:?}"
    );
    let services = list_services(inventory_port).await;
    assert!(
        services.contains(&"orderflow.inventory.v1.InventoryService".to_owned()),
        "{services:?}"
    );

    // The container health check.
    let health = Command::new(ORDERFLOW)
        .args(["health", &format!("http://127.0.0.1:{finance_port}")])
        .output()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(health.status.success(), "{health:?}");
    let unreachable = Command::new(ORDERFLOW)
        .args(["health", &format!("http://127.0.0.1:{}", free_port())])
        .output()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(!unreachable.status.success(), "{unreachable:?}");
    // The dead letters of this NATS: none after the demo; replaying an
    // unknown one says so.
    let listed = Command::new(ORDERFLOW)
        .args(["dlq", "list"])
        .env("NATS_URL", &nats_url)
        .output()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(listed.status.success(), "{listed:?}");
    assert!(
        String::from_utf8_lossy(&listed.stdout).contains("0 dead letter(s)"),
        "{listed:?}"
    );
    let replayed = Command::new(ORDERFLOW)
        .args(["dlq", "replay", "999"])
        .env("NATS_URL", &nats_url)
        .output()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(
        String::from_utf8_lossy(&replayed.stdout).contains("no such dead letter"),
        "{replayed:?}"
    );

    let token = Command::new(ORDERFLOW)
        .args([
            "token",
            "--sub",
            "alice",
            "--roles",
            "sales,sales_assistant",
        ])
        .current_dir(directory.path())
        .env_remove("ORDERFLOW_JWT_SECRET")
        .output()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(token.status.success());
    let token = String::from_utf8_lossy(&token.stdout).trim().to_owned();
    assert_eq!(token.split('.').count(), 3, "a JWT: {token}");

    let pid = up.id().unwrap_or_else(|| panic!("no pid"));
    let killed = Command::new("kill")
        .args(["-TERM", &pid.to_string()])
        .status()
        .await;
    assert!(killed.is_ok_and(|status| status.success()));
    let status = tokio::time::timeout(Duration::from_secs(30), up.wait())
        .await
        .unwrap_or_else(|_| panic!("orderflow up did not stop on SIGTERM"))
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(status.success(), "exit status {status:?}");
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(
        !nats_answers(&nats_url).await,
        "the NATS server it started is stopped too"
    );
}

#[tokio::test]
async fn orderflow_up_names_the_missing_nats_server_binary() {
    let directory = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let output = Command::new(ORDERFLOW)
        .arg("up")
        .current_dir(directory.path())
        .env("NATS_URL", format!("nats://127.0.0.1:{}", free_port()))
        .env("NATS_SERVER_BIN", "/nonexistent/nats-server")
        .env("ORDERS_GRPC_ADDR", format!("127.0.0.1:{}", free_port()))
        .output()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("nats-server"), "{stderr}");
    assert!(stderr.contains("NATS_SERVER_BIN"), "{stderr}");
}
