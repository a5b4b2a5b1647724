//! The Rust legs of the workload: N sequential get-by-id calls with an SSWS token, each decoded
//! into the SDK's full `EventHook` model, once through `okta_eventhooks::Client` and once through
//! a bare reqwest loop (the floor the SDK is measured against).

use std::time::{Duration, Instant};

use okta_eventhooks::EventHook;

use crate::BoxError;

/// The same workload the Python and Node legs run.
pub struct Workload {
    pub url: String,
    pub requests: usize,
    pub warmup: usize,
    pub token: String,
    pub hook_id: String,
}

/// Wall time and this process's CPU time over one stretch of calls.
#[derive(Clone, Copy, Default)]
struct Spent {
    wall: Duration,
    cpu: Duration,
}

impl std::ops::AddAssign for Spent {
    fn add_assign(&mut self, other: Self) {
        self.wall += other.wall;
        self.cpu += other.cpu;
    }
}

/// A running measurement; `stop` gives what the stretch since `start` cost.
struct Meter {
    wall: Instant,
    cpu: Duration,
}

impl Meter {
    fn start() -> Self {
        Self {
            cpu: process_cpu(),
            wall: Instant::now(),
        }
    }

    fn stop(self) -> Spent {
        let wall = self.wall.elapsed();
        Spent {
            wall,
            cpu: process_cpu().saturating_sub(self.cpu),
        }
    }
}

/// CPU time of every thread of this process, in nanoseconds from the scheduler's own counters
/// (`/proc/self/task/*/schedstat`, first field), so it needs neither unsafe code nor a crate.
/// CPU time is reported beside wall time because the benchmark machine may be busy with other
/// work: waiting for a core inflates wall time but not CPU time. Zero where /proc is missing.
fn process_cpu() -> Duration {
    let Ok(tasks) = std::fs::read_dir("/proc/self/task") else {
        return Duration::ZERO;
    };
    let nanos: u64 = tasks
        .flatten()
        .filter_map(|task| std::fs::read_to_string(task.path().join("schedstat")).ok())
        .filter_map(|stat| stat.split_whitespace().next()?.parse::<u64>().ok())
        .sum();
    Duration::from_nanos(nanos)
}

/// Timed calls are split into slices that alternate between the two legs, so that a burst of
/// load from elsewhere on the machine lands on both rather than on one.
const SLICES: usize = 4;

/// Runs both legs and prints one JSON line per leg.
pub async fn run(work: &Workload) -> Result<(), BoxError> {
    okta_eventhooks::install_crypto_provider();
    // Client construction is timed apart from the calls: it happens once per process, but a CLI
    // pays it on every run (reqwest's TLS set-up reads the platform's root certificates).
    // The SDK's client is built first, as in a CLI run; the raw one then finds warm caches.
    let start = Instant::now();
    let sdk = okta_eventhooks::Client::builder()
        .org_url(work.url.as_str())
        .api_token(work.token.as_str())
        .build()?;
    let sdk_build = start.elapsed();
    let start = Instant::now();
    let raw = RawLeg::new(work)?;
    let raw_build = start.elapsed();

    let mut raw_name = raw.run(work.warmup.max(1)).await?.1;
    let mut sdk_name = sdk_leg(&sdk, &work.hook_id, work.warmup.max(1)).await?.1;
    let (mut raw_time, mut sdk_time) = (Spent::default(), Spent::default());
    for slice in 0..SLICES {
        let n = work.requests / SLICES + usize::from(slice < work.requests % SLICES);
        let (t, name) = raw.run(n).await?;
        raw_time += t;
        raw_name = name.or(raw_name);
        let (t, name) = sdk_leg(&sdk, &work.hook_id, n).await?;
        sdk_time += t;
        sdk_name = name.or(sdk_name);
    }
    report("rust-reqwest-raw", work, raw_time, raw_build, raw_name);
    report("rust-okta-eventhooks", work, sdk_time, sdk_build, sdk_name);
    Ok(())
}

/// A raw reqwest loop: one client, prepared URL and header, decode with serde_json.
struct RawLeg {
    client: reqwest::Client,
    target: String,
    authorization: String,
}

impl RawLeg {
    fn new(work: &Workload) -> Result<Self, BoxError> {
        Ok(Self {
            client: reqwest::Client::builder().build()?,
            target: format!(
                "{}/api/v1/eventHooks/{}",
                work.url.trim_end_matches('/'),
                work.hook_id
            ),
            authorization: format!("SSWS {}", work.token),
        })
    }

    async fn run(&self, n: usize) -> Result<(Spent, Option<String>), BoxError> {
        let mut name = None;
        let meter = Meter::start();
        for _ in 0..n {
            let body = self
                .client
                .get(&self.target)
                .header("authorization", &self.authorization)
                .header("accept", "application/json")
                .send()
                .await?
                .error_for_status()?
                .bytes()
                .await?;
            let hook: EventHook = serde_json::from_slice(&body)?;
            name = Some(hook.name);
        }
        Ok((meter.stop(), name))
    }
}

async fn sdk_leg(
    client: &okta_eventhooks::Client,
    hook_id: &str,
    n: usize,
) -> Result<(Spent, Option<String>), BoxError> {
    let mut name = None;
    let meter = Meter::start();
    for _ in 0..n {
        let hook = client.get_event_hook(hook_id).await?;
        name = Some(hook.name);
    }
    Ok((meter.stop(), name))
}

/// One line in the shape every leg prints (see `bench/sdk-compare.sh`).
fn report(
    leg: &str,
    work: &Workload,
    spent: Spent,
    client_build: Duration,
    hook_name: Option<String>,
) {
    let line = serde_json::json!({
        "impl": leg,
        "requests": work.requests,
        "warmup": work.warmup.max(1),
        "seconds": spent.wall.as_secs_f64(),
        "us_per_call": spent.wall.as_secs_f64() * 1e6 / work.requests.max(1) as f64,
        "cpu_us_per_call": spent.cpu.as_secs_f64() * 1e6 / work.requests.max(1) as f64,
        "hook_name": hook_name,
        "client_build_us": client_build.as_secs_f64() * 1e6,
    });
    println!("{line}");
}
