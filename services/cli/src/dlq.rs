//! `orderflow dlq list | replay`: the events consumers gave up on, and their
//! replay once the cause is fixed (see `orderflow_platform::bus::dead_letters`).
//! NATS is `NATS_URL` (default local), with `NATS_USER`/`NATS_PASSWORD`,
//! `NATS_CREDS_FILE` and `NATS_CA_FILE` as for a service.

use orderflow_platform::bus::{self, dead_letters};
use orderflow_platform::config::{Env, NatsSecurity};

#[derive(clap::Subcommand, Debug)]
pub enum DlqCommand {
    /// Every dead letter: its sequence, consumer, subject, event id, reason.
    List,
    /// Publishes dead letters again to their subjects and removes them from
    /// the list; consumers that handled them already skip them.
    Replay {
        /// The sequences to replay (from `list`).
        sequences: Vec<u64>,
        /// Replay every dead letter.
        #[arg(long, conflicts_with = "sequences")]
        all: bool,
    },
}

pub async fn run(command: DlqCommand) -> anyhow::Result<()> {
    let env = Env::from_process();
    let url = env.string_or("NATS_URL", "nats://127.0.0.1:4222");
    let security = NatsSecurity::from_env(&env, "")?;
    let client = bus::connect_secured(&url, "orderflow-dlq", &security).await?;
    let context = bus::jetstream(client);
    match command {
        DlqCommand::List => {
            let letters = dead_letters::list(&context).await?;
            for letter in &letters {
                println!(
                    "{}\t{}\t{}\t{}\t{} deliveries\t{}\t{}",
                    letter.sequence,
                    letter.consumer,
                    letter.subject,
                    letter.event_id,
                    letter.deliveries,
                    letter.dead_lettered_at,
                    letter.reason
                );
            }
            println!("{} dead letter(s)", letters.len());
            Ok(())
        }
        DlqCommand::Replay { sequences, all } => {
            let sequences = if all {
                dead_letters::list(&context)
                    .await?
                    .into_iter()
                    .map(|letter| letter.sequence)
                    .collect()
            } else {
                sequences
            };
            anyhow::ensure!(
                !sequences.is_empty(),
                "name the sequences to replay, or --all"
            );
            let mut kept = 0;
            for sequence in sequences {
                match dead_letters::replay(&context, sequence).await? {
                    dead_letters::Replayed::Published(letter) => println!(
                        "{sequence}: replayed {} to {} (for {})",
                        letter.event_id, letter.subject, letter.consumer
                    ),
                    dead_letters::Replayed::NotFound => {
                        println!("{sequence}: no such dead letter (replayed already?)");
                    }
                    dead_letters::Replayed::TooSoon(letter) => {
                        kept += 1;
                        println!(
                            "{sequence}: {} is still inside its stream's duplicate window; kept, replay it in two minutes",
                            letter.event_id
                        );
                    }
                }
            }
            anyhow::ensure!(kept == 0, "{kept} dead letter(s) kept");
            Ok(())
        }
    }
}
