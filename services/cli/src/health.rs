//! `orderflow health`: asks a service's gRPC health service whether it is
//! SERVING, and exits non-zero when it is not — the container health check
//! of `deploy/compose.yaml` (the image has no other gRPC client).

use anyhow::Context;
use tonic_health::pb::HealthCheckRequest;
use tonic_health::pb::health_check_response::ServingStatus;
use tonic_health::pb::health_client::HealthClient;

#[derive(clap::Args, Debug)]
pub struct HealthArgs {
    /// The service's address, e.g. http://127.0.0.1:50051; default: the
    /// `GRPC_ADDR` the service in this container listens on.
    address: Option<String>,
    /// The health service to ask: "" for readiness (database and NATS
    /// reachable), "liveness" for the process alone.
    #[arg(long, default_value = "")]
    service: String,
    /// Ask again every 5 ms until SERVING, for at most this many seconds,
    /// and print how long it took: a start-up timed without a new probe
    /// process per try (`deploy/bench/flow-postgres.sh`).
    #[arg(long)]
    wait: Option<f64>,
}

pub async fn run(args: HealthArgs) -> anyhow::Result<()> {
    let address = match args.address {
        Some(address) => address,
        None => own_address(&std::env::var("GRPC_ADDR").context("no address and no GRPC_ADDR")?),
    };
    if let Some(seconds) = args.wait {
        let started = std::time::Instant::now();
        let deadline = started + std::time::Duration::from_secs_f64(seconds.max(0.0));
        loop {
            if matches!(
                status(&address, &args.service).await,
                Ok(ServingStatus::Serving)
            ) {
                println!(
                    "{address}: SERVING after {} ms",
                    started.elapsed().as_millis()
                );
                return Ok(());
            }
            anyhow::ensure!(
                std::time::Instant::now() < deadline,
                "{address}: not SERVING after {seconds} s"
            );
            tokio::time::sleep(std::time::Duration::from_millis(5)).await;
        }
    }
    let status = status(&address, &args.service).await?;
    anyhow::ensure!(
        status == ServingStatus::Serving,
        "{address}: {}",
        status.as_str_name()
    );
    println!("{address}: SERVING");
    Ok(())
}

/// Whether the service at `address` says it is SERVING (readiness).
pub async fn serving(address: &str) -> bool {
    matches!(status(address, "").await, Ok(ServingStatus::Serving))
}

/// What the health service `service` at `address` answers.
async fn status(address: &str, service: &str) -> anyhow::Result<ServingStatus> {
    let channel = tonic::transport::Endpoint::from_shared(address.to_owned())
        .with_context(|| format!("not an address: {address}"))?
        .connect_timeout(std::time::Duration::from_secs(3))
        .timeout(std::time::Duration::from_secs(3))
        .connect()
        .await
        .with_context(|| format!("cannot reach {address}"))?;
    Ok(HealthClient::new(channel)
        .check(HealthCheckRequest {
            service: service.to_owned(),
        })
        .await
        .with_context(|| format!("{address}: health check failed"))?
        .into_inner()
        .status())
}

/// `0.0.0.0:50051` (listening everywhere) → `http://127.0.0.1:50051`.
fn own_address(grpc_addr: &str) -> String {
    let local = match grpc_addr.rsplit_once(':') {
        Some(("0.0.0.0" | "[::]" | "", port)) => format!("127.0.0.1:{port}"),
        _ => grpc_addr.to_owned(),
    };
    format!("http://{local}")
}

#[cfg(test)]
mod tests {
    use super::own_address;

    #[test]
    fn a_wildcard_listen_address_is_asked_on_loopback() {
        assert_eq!(own_address("0.0.0.0:50051"), "http://127.0.0.1:50051");
        assert_eq!(own_address("[::]:50052"), "http://127.0.0.1:50052");
        assert_eq!(own_address("10.1.2.3:50053"), "http://10.1.2.3:50053");
    }
}
