//! `orderflow-approvals`: config → telemetry → run (or `migrate`).

orderflow_platform::service_main!(orderflow_approvals, ApprovalsConfig);
