//! The SDK's apply engine (`okta_eventhooks::apply`) against a real emulator: the steps it
//! reports through its callback, the order of the phase table, the probes at once, a failure
//! that stops only its own hook; and the README's list of phases kept equal to the table.

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::time::Duration;

use okta_eventhooks::apply::{
    self, Action, Event, Hook, Outcome, PHASES, Settings, StepError, StepReport, Supply,
};
use okta_eventhooks::{Client, EventHook, EventHookVerificationStatus, LifecycleStatus};

use okta_eventhooks_tests::emulator::{client, start};
use okta_eventhooks_tests::endpoint::{endpoint, received};
use okta_eventhooks_tests::fixtures::new_hook;

const TYPES: &[&str] = &["user.session.start"];

/// The desired hooks, by name; the probe is a real GET with the challenge to the receiver,
/// refused for the hooks in `down`. With `meet`, each probe waits for another one to start,
/// which only probes running at once can do.
struct Desired {
    hooks: BTreeMap<String, EventHook>,
    down: Vec<&'static str>,
    meet: Option<tokio::sync::Barrier>,
}

impl Supply for Desired {
    type Error = String;

    fn hook(&self, name: &str) -> Result<EventHook, String> {
        self.hooks
            .get(name)
            .cloned()
            .ok_or_else(|| format!("no hook {name}"))
    }

    async fn probe(&self, hook: &EventHook) -> Result<String, String> {
        if let Some(meet) = &self.meet {
            meet.wait().await;
        }
        if self.down.contains(&hook.name.as_str()) {
            return Err(format!("the receiver of {} is not ready", hook.name));
        }
        let answer: serde_json::Value = reqwest::Client::new()
            .get(&hook.channel.config.uri)
            .header("x-okta-verification-challenge", "probe-challenge_-1")
            .send()
            .await
            .map_err(|e| e.to_string())?
            .json()
            .await
            .map_err(|e| e.to_string())?;
        match answer["verification"].as_str() {
            Some("probe-challenge_-1") => Ok("answered".into()),
            _ => Err(format!("wrong answer {answer}")),
        }
    }
}

fn desired(uri: &str, names: &[&str]) -> BTreeMap<String, EventHook> {
    names
        .iter()
        .map(|n| ((*n).to_owned(), new_hook(n, uri, TYPES)))
        .collect()
}

/// A hook of the org as the engine takes it.
fn existing<'a>(hook: &'a EventHook, actions: &'a [Action], changed: &[&str]) -> Hook<'a> {
    Hook {
        name: &hook.name,
        id: hook.id.clone(),
        status: hook.status.clone(),
        verification: hook.verification_status.clone(),
        actions,
        changed: changed.iter().map(|c| (*c).to_owned()).collect(),
    }
}

fn new<'a>(name: &'a str, actions: &'a [Action]) -> Hook<'a> {
    Hook {
        name,
        id: None,
        status: None,
        verification: None,
        actions,
        changed: Vec::new(),
    }
}

const SETTINGS: Settings = Settings {
    verify_timeout: Duration::ZERO,
    probe: true,
};

/// What the callback heard, one line per event.
type Heard = RefCell<Vec<String>>;

fn listen(heard: &Heard) -> impl Fn(Event<'_, String>) + '_ {
    |event| {
        let line = match event {
            Event::Started { hook, step } => format!("start {hook} {}", step.name()),
            Event::Ended(r) => format!("end {} {} {:?}", r.hook, r.step.name(), r.outcome),
        };
        heard.borrow_mut().push(line);
    }
}

fn ended(report: &StepReport<String>) -> String {
    format!(
        "end {} {} {:?}",
        report.hook,
        report.step.name(),
        report.outcome
    )
}

async fn by_name(client: &Client) -> BTreeMap<String, EventHook> {
    let hooks = client.list_event_hooks().await.unwrap();
    hooks.into_iter().map(|h| (h.name.clone(), h)).collect()
}

#[tokio::test]
async fn every_step_is_heard_as_it_starts_and_ends_in_the_order_of_the_phase_table() {
    use Action::*;
    let emu = start().await;
    let client = client(&emu);
    let receiver = endpoint().await;
    let uri = receiver.uri();
    let moved_to = format!("{uri}/moved");
    for name in ["old", "moved"] {
        let created = client
            .create_event_hook(&new_hook(name, &uri, TYPES))
            .await
            .unwrap();
        client
            .verify_event_hook(created.id.as_deref().unwrap())
            .await
            .unwrap();
    }
    let org = by_name(&client).await;
    let mut wanted = desired(&uri, &["fresh", "quiet"]);
    wanted.insert("moved".into(), new_hook("moved", &moved_to, TYPES));
    let supply = Desired {
        hooks: wanted,
        down: Vec::new(),
        meet: None,
    };
    let hooks = vec![
        new("fresh", &[Create, Verify]),
        existing(&org["moved"], &[Replace, Verify], &["uri"]),
        existing(&org["old"], &[Deactivate, Delete], &[]),
        new("quiet", &[Create, Deactivate]),
    ];
    let heard = Heard::default();
    let reports = apply::run(&client, hooks, &supply, SETTINGS, listen(&heard)).await;

    let steps: Vec<String> = reports
        .iter()
        .map(|r| format!("{} {}", r.hook, r.step.name()))
        .collect();
    assert_eq!(
        steps,
        [
            "fresh probe",
            "moved probe",
            "old deactivate",
            "old delete",
            "fresh create",
            "moved replace",
            "quiet create",
            "quiet deactivate",
            "fresh verify",
            "moved verify",
        ]
    );
    // Phase by phase, in the table's order.
    let at = |r: &StepReport<String>| {
        let actions: &[Action] = match r.hook.as_str() {
            "fresh" => &[Create, Verify],
            "moved" => &[Replace, Verify],
            "old" => &[Deactivate, Delete],
            _ => &[Create, Deactivate],
        };
        let phase = r.step.phase(actions);
        PHASES.iter().position(|p| p.phase == phase).unwrap()
    };
    assert!(reports.windows(2).all(|w| at(&w[0]) <= at(&w[1])));
    assert!(
        reports.iter().all(|r| r.outcome == Outcome::Done),
        "{reports:?}"
    );
    assert_eq!(reports[5].detail, "replaced (uri)");
    // Every step heard starting once and ending once, each end after its start (the probes
    // overlap), the ends in the reports' order.
    let expected: Vec<String> = reports
        .iter()
        .flat_map(|r| {
            let name = r.step.name();
            [format!("start {} {name}", r.hook), ended(r)]
        })
        .collect();
    let heard = heard.into_inner();
    let mut sorted_heard = heard.clone();
    let mut sorted_expected = expected.clone();
    sorted_heard.sort();
    sorted_expected.sort();
    assert_eq!(sorted_heard, sorted_expected);
    let ends: Vec<&String> = heard.iter().filter(|l| l.starts_with("end")).collect();
    let ends_expected: Vec<&String> = expected.iter().filter(|l| l.starts_with("end")).collect();
    assert_eq!(ends, ends_expected);
    for (i, line) in heard.iter().enumerate() {
        if let Some(step) = line.strip_prefix("end ") {
            let step = step.rsplit_once(' ').unwrap().0;
            assert!(heard[..i].contains(&format!("start {step}")), "{line}");
        }
    }

    // The org is as planned.
    let org = by_name(&client).await;
    assert_eq!(org.keys().collect::<Vec<_>>(), ["fresh", "moved", "quiet"]);
    let verified = Some(EventHookVerificationStatus::Verified);
    assert_eq!(org["fresh"].status, Some(LifecycleStatus::Active));
    assert_eq!(org["fresh"].verification_status, verified);
    assert_eq!(org["moved"].channel.config.uri, moved_to);
    assert_eq!(org["moved"].verification_status, verified);
    assert_eq!(org["quiet"].status, Some(LifecycleStatus::Inactive));
    let fresh = org["fresh"].id.as_deref().unwrap();
    assert_eq!(reports[4].detail, format!("created {fresh}"));
    // The probes reached the receivers, the moved one at its new URI.
    let gets = received(&receiver, "GET").await;
    let probed: Vec<&str> = gets
        .iter()
        .filter(|g| g.headers["x-okta-verification-challenge"] == "probe-challenge_-1")
        .map(|g| g.url.path())
        .collect();
    assert_eq!(probed, ["/", "/moved"]);
}

#[tokio::test]
async fn probes_of_different_hooks_run_at_once() {
    use Action::*;
    let emu = start().await;
    let client = client(&emu);
    let receiver = endpoint().await;
    // Each probe waits for the other to start: one after the other, they would never end.
    let supply = Desired {
        hooks: desired(&receiver.uri(), &["a", "b"]),
        down: Vec::new(),
        meet: Some(tokio::sync::Barrier::new(2)),
    };
    let hooks = vec![new("a", &[Create, Verify]), new("b", &[Create, Verify])];
    let heard = Heard::default();
    let run = apply::run(&client, hooks, &supply, SETTINGS, listen(&heard));
    let reports = tokio::time::timeout(Duration::from_secs(30), run)
        .await
        .expect("the probes waited for each other: they ran one after the other");
    assert_eq!(reports.len(), 6);
    assert!(
        reports.iter().all(|r| r.outcome == Outcome::Done),
        "{reports:?}"
    );
    // Both started before either ended (which ends first is up to the network).
    let mut heard = heard.into_inner();
    assert_eq!(heard[..2], ["start a probe", "start b probe"]);
    heard[2..4].sort();
    assert_eq!(heard[2..4], ["end a probe Done", "end b probe Done"]);
}

#[tokio::test]
async fn a_failed_step_skips_the_later_steps_of_its_hook_only() {
    use Action::*;
    let emu = start().await;
    let client = client(&emu);
    let receiver = endpoint().await;
    let active = client
        .create_event_hook(&new_hook("live", &receiver.uri(), TYPES))
        .await
        .unwrap();
    let supply = Desired {
        hooks: desired(&receiver.uri(), &["down", "up"]),
        down: vec!["down"],
        meet: None,
    };
    let hooks = vec![
        new("down", &[Create, Verify]),
        new("up", &[Create, Verify]),
        // A plan that would delete an ACTIVE hook: refused, never sent.
        existing(&active, &[Delete], &[]),
    ];
    let heard = Heard::default();
    let reports = apply::run(&client, hooks, &supply, SETTINGS, listen(&heard)).await;
    let lines: Vec<String> = reports.iter().map(ended).collect();
    assert_eq!(
        lines,
        [
            "end down probe Failed",
            "end up probe Done",
            "end live delete Failed",
            "end down create Skipped",
            "end up create Done",
            "end down verify Skipped",
            "end up verify Done",
        ]
    );
    assert_eq!(reports[0].detail, "nothing was changed for this hook");
    assert!(matches!(&reports[0].error, Some(StepError::Supply(m)) if m.contains("not ready")));
    assert_eq!(reports[3].detail, "after the failed probe");
    let refused = reports[2].error.as_ref().unwrap();
    assert!(matches!(
        refused,
        StepError::NotInactive(Some(LifecycleStatus::Active))
    ));
    assert_eq!(
        refused.to_string(),
        "not deleted: the hook is ACTIVE, and only an INACTIVE hook is deleted"
    );
    // Skipped steps are heard ending, never starting.
    let heard = heard.into_inner();
    assert!(heard.contains(&"end down create Skipped".to_owned()));
    assert!(!heard.iter().any(|l| l.starts_with("start down create")));
    let org = by_name(&client).await;
    assert_eq!(org.keys().collect::<Vec<_>>(), ["live", "up"]);
}

#[tokio::test]
async fn okta_s_refusal_is_the_step_s_error_with_its_status() {
    use Action::*;
    let emu = start().await;
    let client = client(&emu);
    let supply = Desired {
        hooks: BTreeMap::new(),
        down: Vec::new(),
        meet: None,
    };
    let gone = new_hook("gone", "https://hooks.example.com/okta", TYPES);
    let mut hook = existing(&gone, &[Activate], &[]);
    hook.id = Some("who0000000000000nope".into());
    let heard = Heard::default();
    let reports = apply::run(&client, vec![hook], &supply, SETTINGS, listen(&heard)).await;
    assert_eq!(reports.len(), 1);
    match &reports[0].error {
        Some(StepError::Okta(e)) => assert_eq!(e.status(), Some(404)),
        other => panic!("{other:?}"),
    }
    assert_eq!(
        heard.into_inner(),
        ["start gone activate", "end gone activate Failed"]
    );
}

/// The README's list of apply's phases is the table: numbered in its order, each item opening
/// with the phase's name, `(all at once)` for a concurrent phase, and its description.
#[test]
fn the_readme_lists_the_phases_of_the_table() {
    let readme = include_str!("../../../README.md");
    let start = readme
        .find("`okta_eventhooks::apply::PHASES`")
        .expect("the README names the phase table");
    let list = &readme[start..];
    let list = &list[list.find("\n1. ").unwrap() + 1..];
    let mut items: Vec<String> = Vec::new();
    for line in list.lines() {
        if line.is_empty() {
            break;
        }
        let is_item = line
            .split_once(". ")
            .is_some_and(|(n, _)| n.chars().all(|c| c.is_ascii_digit()));
        if is_item {
            items.push(line.to_owned());
        } else {
            let item = items.last_mut().unwrap();
            item.push(' ');
            item.push_str(line.trim());
        }
    }
    assert_eq!(items.len(), PHASES.len(), "{items:#?}");
    for (i, (item, phase)) in items.iter().zip(&PHASES).enumerate() {
        let at_once = if phase.concurrent {
            " (all at once)"
        } else {
            ""
        };
        let opening = format!(
            "{}. **{}**{at_once}: {}",
            i + 1,
            phase.name,
            phase.description
        );
        assert!(
            item.starts_with(&opening),
            "{item}\n  should open with\n{opening}"
        );
    }
}
