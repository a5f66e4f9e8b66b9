//! The tests' own NATS servers: a `nats-server -js` per test, with or
//! without users, that a test can crash and restart.

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use super::free_port;

/// The nats-server binary the tests start (`NATS_SERVER_BIN`, else the usual places).
pub fn nats_server_binary() -> PathBuf {
    if let Ok(path) = std::env::var("NATS_SERVER_BIN") {
        return PathBuf::from(path);
    }
    for candidate in [
        "/usr/sbin/nats-server",
        "/usr/local/bin/nats-server",
        "/usr/bin/nats-server",
    ] {
        if std::path::Path::new(candidate).exists() {
            return PathBuf::from(candidate);
        }
    }
    PathBuf::from("nats-server")
}

/// A `nats-server -js` of this test's own, on a free port, with its own store.
/// Stopped when dropped.
#[derive(Debug)]
pub struct TestNats {
    port: u16,
    store: tempfile::TempDir,
    process: NatsStopper,
    /// With users: the `authorization` block, the environment variables its
    /// passwords come from, and the user this test's own client logs in as.
    authorization: Option<TestAuthorization>,
}

#[derive(Debug)]
struct TestAuthorization {
    block: String,
    variables: Vec<(String, String)>,
    login: (String, String),
}

/// Stops a [`TestNats`] from anywhere, even from synchronous code inside a
/// handler under test.
#[derive(Debug, Clone, Default)]
pub struct NatsStopper(std::sync::Arc<std::sync::Mutex<Option<Child>>>);

impl NatsStopper {
    /// Stops the server as a crash would (SIGKILL).
    pub fn stop(&self) {
        let mut slot = self
            .0
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if let Some(mut child) = slot.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    fn set(&self, child: Child) {
        *self
            .0
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner()) = Some(child);
    }
}

impl TestNats {
    pub async fn start() -> Self {
        Self::launch(None).await
    }

    /// [`TestNats::start`] with users: `authorization` is a NATS server
    /// `authorization { … }` block (the prod overlay's, say) whose `$NAME`
    /// passwords are taken from `variables`; the test's own client logs in
    /// as `login` (user, password).
    pub async fn start_authorized(
        authorization: &str,
        variables: Vec<(String, String)>,
        login: (String, String),
    ) -> Self {
        Self::launch(Some(TestAuthorization {
            block: authorization.to_owned(),
            variables,
            login,
        }))
        .await
    }

    async fn launch(authorization: Option<TestAuthorization>) -> Self {
        let store = tempfile::tempdir().unwrap_or_else(|error| panic!("no temp dir: {error}"));
        let mut nats = Self {
            port: free_port(),
            store,
            process: NatsStopper::default(),
            authorization,
        };
        nats.start_process().await;
        nats
    }

    /// The test's own client: with the server's login when it has users.
    async fn connect(&self) -> Result<async_nats::Client, async_nats::ConnectError> {
        let options = match &self.authorization {
            Some(TestAuthorization {
                login: (user, password),
                ..
            }) => {
                async_nats::ConnectOptions::with_user_and_password(user.clone(), password.clone())
            }
            None => async_nats::ConnectOptions::new(),
        };
        options.connect(self.url()).await
    }

    pub fn url(&self) -> String {
        format!("nats://127.0.0.1:{}", self.port)
    }

    pub async fn client(&self) -> async_nats::Client {
        self.connect()
            .await
            .unwrap_or_else(|error| panic!("cannot connect to the test NATS: {error}"))
    }

    /// Stops the server (as a crash would: SIGKILL).
    pub fn stop(&mut self) {
        self.process.stop();
    }

    pub fn stopper(&self) -> NatsStopper {
        self.process.clone()
    }

    /// Starts it again on the same port with the same store.
    pub async fn restart(&mut self) {
        self.stop();
        self.start_process().await;
    }

    async fn start_process(&mut self) {
        let binary = nats_server_binary();
        let mut command = Command::new(&binary);
        match &self.authorization {
            None => {
                command
                    .args(["-js", "-a", "127.0.0.1", "-p"])
                    .arg(self.port.to_string())
                    .arg("-sd")
                    .arg(self.store.path());
            }
            Some(authorization) => {
                let config = self.store.path().join("nats.conf");
                std::fs::write(
                    &config,
                    format!(
                        "listen: 127.0.0.1:{}\njetstream {{ store_dir: \"{}\" }}\n{}",
                        self.port,
                        self.store.path().display(),
                        authorization.block
                    ),
                )
                .unwrap_or_else(|error| panic!("cannot write the NATS config: {error}"));
                command
                    .arg("-c")
                    .arg(config)
                    .envs(authorization.variables.iter().cloned());
            }
        }
        let child = command
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|error| {
                panic!(
                    "cannot start {} (install nats-server or set NATS_SERVER_BIN): {error}",
                    binary.display()
                )
            });
        self.process.set(child);
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            if let Ok(client) = self.connect().await {
                // Any answer from the JetStream API, even "not found", means
                // JetStream is up.
                let jetstream = async_nats::jetstream::new(client);
                if let Err(error) = jetstream.get_stream("READINESS-PROBE").await
                    && matches!(
                        error.kind(),
                        async_nats::jetstream::context::GetStreamErrorKind::JetStream(_)
                    )
                {
                    return;
                }
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("nats-server on port {} did not come up", self.port);
    }
}

impl Drop for TestNats {
    fn drop(&mut self) {
        self.stop();
    }
}
