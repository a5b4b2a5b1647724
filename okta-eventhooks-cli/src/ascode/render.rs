//! The plan and the apply summary as text for the table output (`-o json|yaml` print the
//! structures themselves). Never a secret: header values and the auth secret appear only as
//! "changed"; names from Okta are escaped.

use std::fmt::Write;

use okta_eventhooks::apply::{Action, Outcome};

use super::Plan;
use super::apply::StepResult;
use super::plan::HookPlan;
use crate::output::{pad, printable, shown};

/// The plan, per org: each hook's actions and field changes, the hooks left alone, the
/// secrets to supply; then one line of totals.
pub fn plan(plan: &Plan) -> String {
    let mut text = String::new();
    for org in &plan.orgs {
        let profile = org
            .profile
            .as_deref()
            .map(|p| format!(", profile {p}"))
            .unwrap_or_default();
        let _ = write!(
            text,
            "org {} ({}{profile}): ",
            printable(&org.org),
            org.org_url
        );
        if let Some(error) = &org.error {
            let _ = writeln!(text, "could not be read: {}", shown(&error.message));
            continue;
        }
        let changing: Vec<&HookPlan> = org
            .hooks
            .hooks
            .iter()
            .filter(|h| !h.actions.is_empty() || h.conflict.is_some())
            .collect();
        let unchanged = org.hooks.hooks.len() - changing.len();
        match changing.len() {
            0 => text.push_str("no changes"),
            n => {
                let _ = write!(text, "{n} hook{} to change", plural(n));
            }
        }
        if unchanged > 0 && !changing.is_empty() {
            let _ = write!(text, ", {unchanged} as they should be");
        }
        text.push('\n');
        let width = changing
            .iter()
            .map(|h| printable(&h.name).chars().count())
            .max()
            .unwrap_or(0);
        for hook in changing {
            hook_lines(&mut text, hook, width);
        }
        if !org.hooks.unmanaged.is_empty() {
            let names: Vec<String> = org
                .hooks
                .unmanaged
                .iter()
                .map(|u| format!("{} ({})", printable(&u.name), u.id))
                .collect();
            let _ = writeln!(
                text,
                "  not in the manifest, left alone (--prune deletes them): {}",
                names.join(", ")
            );
        }
        for secret in &org.hooks.secrets_to_supply {
            let _ = writeln!(
                text,
                "  secret to supply: {} for {} of {} ({})",
                secret.source,
                secret.used_for,
                printable(&secret.hook),
                secret.problem
            );
        }
    }
    let orgs_changing = plan
        .orgs
        .iter()
        .filter(|o| o.hooks.action_count() > 0)
        .count();
    let orgs = plan.orgs.len();
    let _ = match plan.changes {
        0 => writeln!(text, "Plan: no changes ({orgs} org{}).", plural(orgs)),
        n => writeln!(
            text,
            "Plan: {n} action{} in {orgs_changing} of {orgs} org{}.",
            plural(n),
            plural(orgs)
        ),
    };
    text
}

fn hook_lines(text: &mut String, hook: &HookPlan, width: usize) {
    let sign = match hook.actions.first() {
        _ if hook.conflict.is_some() => '!',
        Some(Action::Create) => '+',
        Some(Action::Delete) => '-',
        Some(Action::Deactivate) if hook.actions.contains(&Action::Delete) => '-',
        _ => '~',
    };
    let actions: Vec<&str> = hook.actions.iter().map(|a| a.name()).collect();
    let mut line = format!("  {sign} {}  ", pad(&printable(&hook.name), width));
    if let Some(conflict) = &hook.conflict {
        line.push_str(&shown(conflict));
    } else {
        line.push_str(&actions.join(", "));
        let mut about = Vec::new();
        if let Some(current) = &hook.current {
            about.push(format!("now {} {}", current.status, current.verification));
        }
        if let Some(desired) = hook.desired
            && hook.actions.contains(&Action::Create)
        {
            about.push(format!("to be {desired}"));
        }
        if let Some(id) = &hook.id {
            about.push(id.clone());
        }
        if !about.is_empty() {
            let _ = write!(line, "  ({})", printable(&about.join(", ")));
        }
    }
    text.push_str(line.trim_end());
    text.push('\n');
    for change in &hook.changes {
        let values = match (&change.from, &change.to) {
            (Some(from), Some(to)) => format!("{from:?} -> {to:?}"),
            (None, Some(to)) => format!("+ {to:?}"),
            (Some(from), None) => format!("- {from:?}"),
            (None, None) => String::new(),
        };
        let what = match (&change.note, values.is_empty()) {
            (Some(note), true) => note.clone(),
            (Some(note), false) => format!("{values} ({note})"),
            (None, true) => "changed".to_owned(),
            (None, false) => values,
        };
        let _ = writeln!(text, "      {}  {}", printable(&change.field), shown(&what));
    }
}

/// The apply summary: one row per step (org, hook, step, result, detail), then the totals.
pub fn summary(steps: &[StepResult]) -> String {
    const HEADERS: [&str; 5] = ["ORG", "HOOK", "STEP", "RESULT", "DETAIL"];
    let rows: Vec<[String; 5]> = steps
        .iter()
        .map(|s| {
            let result = match s.result {
                Outcome::Done => "done",
                Outcome::Failed => "failed",
                Outcome::Skipped => "skipped",
            };
            let detail = match &s.error {
                Some(error) if s.detail.is_empty() => error.message.clone(),
                Some(error) => format!("{}; {}", error.message, s.detail),
                None => s.detail.clone(),
            };
            [
                printable(&s.org),
                printable(&s.hook),
                s.step.clone(),
                result.to_owned(),
                shown(&detail),
            ]
        })
        .collect();
    let mut widths = HEADERS.map(|h| h.len());
    for row in &rows {
        for (width, cell) in widths.iter_mut().zip(&row[..4]) {
            *width = (*width).max(cell.chars().count());
        }
    }
    let mut text = String::new();
    let line = |cells: [&str; 5]| {
        let mut line = String::new();
        for (i, cell) in cells.iter().enumerate() {
            if i < 4 {
                line.push_str(&pad(cell, widths[i]));
                line.push_str("  ");
            } else {
                line.push_str(cell);
            }
        }
        line.trim_end().to_owned()
    };
    if !rows.is_empty() {
        text.push_str(&line(HEADERS));
        text.push('\n');
    }
    for row in &rows {
        text.push_str(&line([&row[0], &row[1], &row[2], &row[3], &row[4]]));
        text.push('\n');
    }
    let count = |outcome| steps.iter().filter(|s| s.result == outcome).count();
    let (done, failed, skipped) = (
        count(Outcome::Done),
        count(Outcome::Failed),
        count(Outcome::Skipped),
    );
    let _ = write!(
        text,
        "Applied: {done} done, {failed} failed, {skipped} skipped."
    );
    if failed > 0 {
        text.push_str(" Fix what failed and run apply again: it does only what is left.");
    }
    text.push('\n');
    text
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}
