//! Every fault grid-sim can inject × every operation Grid Desk performs, through the real client.
//!
//! Faults are armed for more requests than the client ever makes, so a GET shows its bounded
//! retries ending in a clear error; the "attempts" column counts the requests the simulator
//! actually received (each uses up one armed fault), so bounded GET retries and never-retried
//! POST/PATCH are checked, not assumed. For the fund the rule is stricter: never applied twice,
//! and when the answer is lost the balance is re-read to say what happened. The table is printed
//! (`cargo test -p grid-desk-tests --test fault_matrix -- --nocapture`) and written to
//! `target/fault-matrix.md`.

#![allow(clippy::print_stdout)]

use std::fmt::Write as _;
use std::path::PathBuf;
use std::time::Duration;

use grid_client::models::{InternalAccountId, InternalAccountType, InternalAccountUpdateRequest};
use grid_client::{
    ClientConfig, Credentials, CustomerAccountFilter, Error, ExternalAccountFilter, GridClient,
    PageRequest, PlatformAccountFilter, RetryPolicy, UpdateOutcome,
};
use grid_desk_tests::TestGrid;
use grid_sim::control::{FailureStatus, Fault};

const FUND: i64 = 777;
/// The simulator only sees the armed count; the client never makes this many attempts.
const ARMED: u32 = 20;
const PRIVATE_ON: InternalAccountUpdateRequest = InternalAccountUpdateRequest {
    private_enabled: Some(true),
};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Op {
    ListPlatform,
    ListCustomer,
    ListPlatformExternal,
    ListCustomerExternal,
    Fund,
    PatchChallenge,
    PatchSigned,
}

const OPS: [Op; 7] = [
    Op::ListPlatform,
    Op::ListCustomer,
    Op::ListPlatformExternal,
    Op::ListCustomerExternal,
    Op::Fund,
    Op::PatchChallenge,
    Op::PatchSigned,
];

const MAX_RETRIES: u32 = 2;

impl Op {
    fn name(self) -> &'static str {
        match self {
            Op::ListPlatform => "list platform internal",
            Op::ListCustomer => "list customer internal",
            Op::ListPlatformExternal => "list platform external",
            Op::ListCustomerExternal => "list customer external",
            Op::Fund => "sandbox fund",
            Op::PatchChallenge => "PATCH (step 1)",
            Op::PatchSigned => "PATCH (step 2, signed)",
        }
    }

    /// GETs are retried; a fund or a PATCH is sent exactly once.
    fn is_get(self) -> bool {
        !matches!(self, Op::Fund | Op::PatchChallenge | Op::PatchSigned)
    }
}

/// What a call came back with, reduced to what the matrix checks.
#[derive(Debug)]
enum Outcome {
    /// `checked`: the operation-specific check of the answer (new values kept as `Unknown`;
    /// for step 1 of the PATCH, that a challenge came back).
    Ok {
        checked: bool,
    },
    NotSent,
    MaybeSent,
    Api(u16, String),
    Decode(String),
}

impl Outcome {
    fn of<T>(result: Result<T, Error>, check: impl Fn(&T) -> bool) -> Self {
        match result {
            Ok(v) => Outcome::Ok { checked: check(&v) },
            Err(Error::NotSent { .. } | Error::Unreachable { .. }) => Outcome::NotSent,
            Err(Error::MaybeSent { .. }) => Outcome::MaybeSent,
            Err(Error::Api(api)) => Outcome::Api(api.http_status, api.body.code.clone()),
            Err(Error::Decode { path, .. }) => Outcome::Decode(path),
        }
    }

    fn describe(&self, op: Op) -> String {
        match self {
            Outcome::Ok { checked: true } if op == Op::PatchChallenge => {
                "ok, a challenge to sign".into()
            }
            Outcome::Ok { checked: true } => "ok, new values kept as Unknown".into(),
            Outcome::Ok { .. } => "ok".into(),
            Outcome::NotSent => "error: not sent".into(),
            Outcome::MaybeSent => "error: no answer (outcome unknown)".into(),
            Outcome::Api(status, code) => format!("error: HTTP {status} {code}"),
            Outcome::Decode(path) => format!("error: unreadable answer at {path}"),
        }
    }
}

struct Fixture {
    grid: TestGrid,
    client: GridClient,
    usd: InternalAccountId,
    wallet: InternalAccountId,
}

impl Fixture {
    async fn new() -> Self {
        let grid = TestGrid::start().await;
        let mut config = ClientConfig::new(
            grid.base_url(),
            Credentials::new(
                grid.config.client_id.clone(),
                grid.config.client_secret.clone(),
            ),
        );
        // One deadline per operation, retries included; the latency fault (800 ms) outlasts it.
        config.deadline = Duration::from_millis(400);
        config.retry = RetryPolicy {
            max_retries: MAX_RETRIES,
            base_delay: Duration::from_millis(5),
            max_delay: Duration::from_millis(50),
        };
        let client = GridClient::new(config).expect("client");
        // Looked up with default patience: the matrix's tight deadline is for the faults.
        let setup = grid.client();
        let usd = setup
            .list_platform_internal_accounts(&PlatformAccountFilter {
                currency: Some("USD".into()),
                account_type: None,
            })
            .await
            .expect("platform accounts")
            .remove(0)
            .id;
        let wallet = setup
            .list_customer_internal_accounts(
                &CustomerAccountFilter {
                    account_type: Some(InternalAccountType::EmbeddedWallet),
                    ..Default::default()
                },
                &PageRequest {
                    limit: Some(100),
                    cursor: None,
                },
            )
            .await
            .expect("wallets")
            .data
            .into_iter()
            .find(|a| a.status.as_str() == "ACTIVE")
            .expect("an active wallet")
            .id;
        Self {
            grid,
            client,
            usd,
            wallet,
        }
    }

    async fn usd_balance(&self) -> i64 {
        // Re-read without faults, through a fresh client with default patience.
        self.grid
            .client()
            .list_platform_internal_accounts(&PlatformAccountFilter::default())
            .await
            .expect("re-read")
            .into_iter()
            .find(|a| a.id == self.usd)
            .expect("usd account")
            .balance
            .amount
            .exact()
            .expect("the simulator's balances are whole numbers")
    }

    async fn clear_faults(&self) {
        self.grid
            .control()
            .clear_faults()
            .await
            .expect("clear faults");
    }

    /// What an operation needs before the fault is armed: step 2 of the PATCH needs a fresh
    /// challenge (its request id) from a fault-free step 1.
    async fn prepare(&self, op: Op) -> Option<String> {
        if op != Op::PatchSigned {
            return None;
        }
        match self
            .grid
            .client()
            .update_internal_account(&self.wallet, &PRIVATE_ON)
            .await
            .expect("step 1 without faults")
        {
            UpdateOutcome::ChallengeIssued(challenge) => Some(challenge.request_id),
            UpdateOutcome::Updated(_) => panic!("step 1 must answer with a challenge"),
        }
    }

    /// Requests the simulator received since the fault was armed (each uses one of `armed`).
    async fn attempts(&self, armed: u32) -> u64 {
        u64::from(armed) - self.grid.fault_remaining().await
    }

    async fn run(&self, op: Op, request_id: Option<&str>) -> Outcome {
        let c = &self.client;
        let page = PageRequest::default();
        match op {
            Op::ListPlatform => Outcome::of(
                c.list_platform_internal_accounts(&PlatformAccountFilter::default())
                    .await,
                |v| {
                    v.iter().any(|a| {
                        matches!(
                            a.status,
                            grid_client::models::InternalAccountStatus::Unknown(_)
                        )
                    })
                },
            ),
            Op::ListCustomer => Outcome::of(
                c.list_customer_internal_accounts(&CustomerAccountFilter::default(), &page)
                    .await,
                |p| {
                    p.data
                        .iter()
                        .any(|a| matches!(a.account_type, InternalAccountType::Unknown(_)))
                },
            ),
            Op::ListPlatformExternal => Outcome::of(
                c.list_platform_external_accounts(&ExternalAccountFilter::default(), &page)
                    .await,
                |p| p.data.iter().any(|a| !a.account_info.is_known()),
            ),
            Op::ListCustomerExternal => Outcome::of(
                c.list_customer_external_accounts(&ExternalAccountFilter::default(), &page)
                    .await,
                |p| p.data.iter().any(|a| !a.account_info.is_known()),
            ),
            Op::Fund => Outcome::of(
                c.fund_sandbox_internal_account(&self.usd, FUND).await,
                |a| {
                    a.funding_payment_instructions
                        .iter()
                        .any(|i| !i.account_or_wallet_info.is_known())
                },
            ),
            Op::PatchChallenge => Outcome::of(
                c.update_internal_account(&self.wallet, &PRIVATE_ON).await,
                |o| matches!(o, UpdateOutcome::ChallengeIssued(c) if c.request_id.starts_with("Request:")),
            ),
            Op::PatchSigned => Outcome::of(
                c.complete_internal_account_update(
                    &self.wallet,
                    &PRIVATE_ON,
                    request_id.expect("a prepared challenge"),
                    "sandbox-valid-signature",
                )
                .await,
                |a| {
                    matches!(
                        a.status,
                        grid_client::models::InternalAccountStatus::Unknown(_)
                    ) && a.private_enabled == Some(true)
                },
            ),
        }
    }
}

struct FaultCase {
    name: &'static str,
    /// Armed for [`ARMED`] requests.
    fault: Fault,
    /// Whether the simulator applies a fund despite the fault.
    applies_fund: bool,
}

fn faults() -> Vec<FaultCase> {
    vec![
        // The client gives up and closes the connection; the simulator, like hyper, then drops the
        // request before applying it.
        FaultCase {
            name: "latency beyond the timeout",
            fault: Fault::Latency { latency_ms: 800 },
            applies_fund: false,
        },
        FaultCase {
            name: "connection dropped before applying",
            fault: Fault::Drop,
            applies_fund: false,
        },
        FaultCase {
            name: "connection dropped after applying",
            fault: Fault::DropAfter,
            applies_fund: true,
        },
        FaultCase {
            name: "500",
            fault: Fault::Status {
                status: FailureStatus::InternalServerError,
            },
            applies_fund: false,
        },
        FaultCase {
            name: "503",
            fault: Fault::Status {
                status: FailureStatus::ServiceUnavailable,
            },
            applies_fund: false,
        },
        FaultCase {
            name: "429 with Retry-After",
            fault: Fault::RateLimit {
                retry_after_secs: 1,
            },
            applies_fund: false,
        },
        FaultCase {
            name: "malformed JSON",
            fault: Fault::Malformed,
            applies_fund: false,
        },
        FaultCase {
            name: "body violates the schema",
            fault: Fault::SchemaViolation,
            applies_fund: true,
        },
        FaultCase {
            name: "unknown enum / accountType",
            fault: Fault::UnknownEnum,
            applies_fund: true,
        },
    ]
}

/// The expected outcome class for a cell; panics with the cell's name when it differs.
fn check(fault: &FaultCase, op: Op, outcome: &Outcome) {
    let cell = format!("{} × {}: {}", fault.name, op.name(), outcome.describe(op));
    let ok = match (fault.fault, outcome) {
        (Fault::Latency { .. } | Fault::Drop | Fault::DropAfter, Outcome::MaybeSent) => true,
        (Fault::Status { status }, Outcome::Api(got, _)) => *got == status.as_u16(),
        (Fault::RateLimit { .. }, Outcome::Api(429, code)) => code == "RATE_LIMITED",
        (Fault::Malformed, Outcome::Decode(path)) => !path.is_empty(),
        (Fault::SchemaViolation, Outcome::Decode(path)) => !path.is_empty(),
        // Step 1 must still be a challenge (it has no enums to change); everything else must
        // come back with the new values kept.
        (Fault::UnknownEnum, Outcome::Ok { checked }) => *checked,
        _ => false,
    };
    assert!(ok, "unexpected outcome: {cell}");
}

/// How many requests the simulator must receive for a cell: a fund or a PATCH exactly once;
/// a GET once more per allowed retry when the failure is transient (a dropped connection, a
/// 5xx), and once when the answer is final (a 200, however broken), Grid asks to wait longer
/// than the client's longest backoff (the 1 s `Retry-After` beyond its 50 ms `max_delay`), or
/// the server stayed silent until the deadline (a timed-out GET is not retried: before the one
/// deadline per operation, the latency fault cost 1 + `MAX_RETRIES` attempts).
fn expected_attempts(fault: &FaultCase, op: Op) -> u64 {
    if !op.is_get() {
        return 1;
    }
    match fault.fault {
        Fault::Drop | Fault::DropAfter | Fault::Status { .. } => 1 + u64::from(MAX_RETRIES),
        _ => 1,
    }
}

#[tokio::test]
async fn every_fault_on_every_operation_is_handled() {
    let fx = Fixture::new().await;
    let mut table = String::from(
        "| fault | operation | outcome | attempts | fund applied |\n|---|---|---|---|---|\n",
    );
    for fault in faults() {
        for op in OPS {
            let before = fx.usd_balance().await;
            let request_id = fx.prepare(op).await;
            fx.grid.arm(fault.fault, ARMED).await;
            let outcome = fx.run(op, request_id.as_deref()).await;
            let attempts = fx.attempts(ARMED).await;
            fx.clear_faults().await;
            if matches!(fault.fault, Fault::Latency { .. }) {
                // Wait out the latency so a late apply would show in the re-read.
                tokio::time::sleep(Duration::from_millis(900)).await;
            }
            check(&fault, op, &outcome);
            assert_eq!(
                attempts,
                expected_attempts(&fault, op),
                "{} × {}: requests the simulator received",
                fault.name,
                op.name()
            );
            let after = fx.usd_balance().await;
            let applied = if op == Op::Fund {
                let expected = if fault.applies_fund { FUND } else { 0 };
                assert_eq!(
                    after - before,
                    expected,
                    "{} × fund: applied {} (never twice, and only when the simulator applied it)",
                    fault.name,
                    after - before
                );
                if expected == 0 {
                    "no (re-read: unchanged)"
                } else {
                    "once (re-read: +7.77)"
                }
            } else {
                assert_eq!(
                    after,
                    before,
                    "{} × {}: no money moved",
                    fault.name,
                    op.name()
                );
                "–"
            };
            let _ = writeln!(
                table,
                "| {} | {} | {} | {} | {} |",
                fault.name,
                op.name(),
                outcome.describe(op),
                attempts,
                applied
            );
        }
    }
    // Broken bodies were the faults themselves; every other answer matched the spec.
    let broken = fx.grid.take_violations();
    assert!(
        broken
            .iter()
            .all(|v| v.contains("-> 200") || v.contains("-> 202")),
        "only deliberately broken answers may fail the spec: {broken:#?}"
    );
    println!("\n{table}");
    let out = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../target/fault-matrix.md");
    std::fs::write(&out, &table).expect("write the table");
    fx.grid.stop().await;
}
