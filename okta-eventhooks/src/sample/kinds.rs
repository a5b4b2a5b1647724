//! What a LogEvent of a given type looks like, derived from the type's name by three small
//! tables instead of one case per type: the family (the longest known prefix of the name)
//! decides the targets and the noun of the message, the actor follows from who does such
//! things (an admin, the end user, or Okta itself), and words of the name decide the outcome
//! and severity (`...fail` is a FAILURE, `...deny_access` a DENY, `...schedule` SCHEDULED).
//! So every type of Okta's catalog, and any type Okta adds later, gets a plausible event.

/// What the name of an event type says about its events.
#[derive(Debug, PartialEq)]
pub(super) struct Kind {
    /// `displayMessage`.
    pub(super) message: String,
    /// `legacyEventType`, for the few types whose legacy name is known.
    pub(super) legacy: Option<&'static str>,
    pub(super) actor: Actor,
    pub(super) targets: &'static [Target],
    /// `outcome.result`.
    pub(super) result: &'static str,
    pub(super) severity: &'static str,
}

/// Who acts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Actor {
    /// The emulated admin (most configuration and lifecycle events).
    Admin,
    /// The user the event is about (sign-ins, self-service).
    EndUser,
    /// Okta itself (imports, risk detection, limits, schedules).
    System,
}

/// A kind of target: its `type`, the prefix of its id, `alternateId` and `displayName`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct Target {
    pub(super) type_: &'static str,
    pub(super) id_prefix: &'static str,
    pub(super) alternate_id: &'static str,
    pub(super) display_name: &'static str,
}

const fn target(
    type_: &'static str,
    id_prefix: &'static str,
    alternate_id: &'static str,
    display_name: &'static str,
) -> Target {
    Target {
        type_,
        id_prefix,
        alternate_id,
        display_name,
    }
}

/// The user every event is about; also the actor of end-user events.
pub(super) const USER: Target = target("User", "00u", "jane.doe@example.com", "Jane Doe");
/// The group of group events: the documented filter example selects `UserGroup` `Sales`.
const GROUP: Target = target("UserGroup", "00g", "unknown", "Sales");
const APP: Target = target("AppInstance", "0oa", "Example App", "Example App");
const POLICY: Target = target("PolicyEntity", "00p", "unknown", "Default Policy");
const RULE: Target = target("PolicyRule", "0pr", "unknown", "Default Rule");
const ROLE: Target = target("CUSTOM_ROLE", "cr0", "unknown", "Help Desk Administrator");
const RESOURCE_SET: Target = target("ResourceSet", "iam", "unknown", "Support resources");
const IDP: Target = target("IdentityProvider", "0oa", "unknown", "Example IdP");
const TOKEN: Target = target("Token", "00T", "unknown", "Automation token");
const LOG_STREAM: Target = target("LogStream", "0oa", "unknown", "Example log stream");
const DEVICE: Target = target("Device", "guo", "unknown", "Jane's laptop");
const AUTHENTICATOR: Target = target("Authenticator", "aut", "okta_verify", "Okta Verify");
const TRUSTED_ORIGIN: Target = target(
    "TrustedOrigin",
    "tos",
    "https://portal.example.com",
    "Example portal",
);
const ACCESS_REQUEST: Target = target("AccessRequest", "req", "unknown", "Access to Example App");
const CAMPAIGN: Target = target("Campaign", "icn", "unknown", "Quarterly access review");
const ENTITLEMENT: Target = target("Entitlement", "ent", "unknown", "Administrator access");
const BUNDLE: Target = target("EntitlementBundle", "enb", "unknown", "Support bundle");
const COLLECTION: Target = target("Collection", "col", "unknown", "Support collection");
const RESOURCE_SERVER: Target = target(
    "ResourceServer",
    "rs0",
    "https://api.example.com",
    "Example API",
);
const AUTH_SERVER: Target = target("AuthorizationServer", "aus", "default", "default");
const AGENT: Target = target("WorkloadPrincipal", "wlp", "unknown", "Example agent");
const AGENT_PROVIDER: Target = target("AiAgentProvider", "aap", "unknown", "Example provider");
const INLINE_HOOK: Target = target("InlineHook", "cal", "unknown", "Example inline hook");
/// The hook of `event_hook.*` events (the emulator writes `event_hook.delivery` itself).
pub(super) const EVENT_HOOK: Target = target("EventHook", "who", "unknown", "Example hook");
const ORG: Target = target("Org", "00o", "example.okta.com", "Example Org");
const SETTING: Target = target("Setting", "set", "unknown", "Governance settings");

/// A family of event types: the names starting with `prefix` (whole segments).
struct Family {
    prefix: &'static str,
    /// What the events are about, for the display message.
    noun: &'static str,
    targets: &'static [Target],
}

const fn family(prefix: &'static str, noun: &'static str, targets: &'static [Target]) -> Family {
    Family {
        prefix,
        noun,
        targets,
    }
}

/// Every family of the catalog's event-hook-eligible types (and a few more); the longest
/// matching prefix wins, an unknown family is about a user.
const FAMILIES: &[Family] = &[
    family("access.request", "access request", &[ACCESS_REQUEST, USER]),
    family("access.review", "access review", &[CAMPAIGN, USER]),
    family("app", "app", &[APP]),
    family(
        "app.access_request",
        "app access request",
        &[ACCESS_REQUEST, APP, USER],
    ),
    family(
        "app.ad",
        "Active Directory password migration",
        &[APP, USER],
    ),
    family(
        "app.ai_agent_provider",
        "AI agent provider",
        &[AGENT_PROVIDER],
    ),
    family("app.oauth2", "OAuth 2.0 client", &[APP]),
    family(
        "app.oauth2.as",
        "authorization server consent",
        &[AUTH_SERVER, APP, USER],
    ),
    family("app.user_management", "app user", &[APP, USER]),
    family("application", "application", &[APP]),
    family("application.account", "application account", &[APP, USER]),
    family(
        "application.policy",
        "application sign-on policy",
        &[APP, POLICY],
    ),
    family("application.provision", "provisioning", &[APP, USER]),
    family(
        "application.provision.group_push",
        "group push",
        &[APP, GROUP],
    ),
    family(
        "application.user_membership",
        "user to application membership",
        &[APP, USER],
    ),
    family("certification", "certification campaign", &[CAMPAIGN]),
    family("device", "device", &[DEVICE]),
    family("device.user", "device user", &[DEVICE, USER]),
    family("entitlement", "entitlement migration", &[ENTITLEMENT]),
    family("event_hook", "event hook", &[EVENT_HOOK]),
    family("governance", "governance settings", &[SETTING]),
    family("group", "group", &[GROUP]),
    family(
        "group.application_assignment",
        "application assignment of a group",
        &[GROUP, APP],
    ),
    family("group.privilege", "group privilege", &[GROUP, ROLE]),
    family(
        "group.user_membership",
        "user to group membership",
        &[USER, GROUP],
    ),
    family("iam", "administrator role", &[ROLE]),
    family("iam.policy", "administrator policy", &[POLICY]),
    family("iam.resourceset", "resource set", &[RESOURCE_SET]),
    family("inline_hook", "inline hook", &[INLINE_HOOK]),
    family("policy", "policy", &[POLICY]),
    family("policy.branch.rule", "policy rule", &[POLICY, RULE]),
    family("policy.rule", "policy rule", &[POLICY, RULE]),
    family("resource", "governance resource", &[APP]),
    family("resource.collection", "resource collection", &[COLLECTION]),
    family("resource.entitlement", "entitlement", &[ENTITLEMENT]),
    family(
        "resource.entitlement_bundle",
        "entitlement bundle",
        &[BUNDLE],
    ),
    family(
        "resource.user_entitlements",
        "user entitlements",
        &[USER, ENTITLEMENT],
    ),
    family("resource_servers", "resource server", &[RESOURCE_SERVER]),
    family("security.authenticator", "authenticator", &[AUTHENTICATOR]),
    family(
        "security.breached_credential",
        "breached credential",
        &[USER],
    ),
    family(
        "security.trusted_origin",
        "trusted origin",
        &[TRUSTED_ORIGIN],
    ),
    family("system", "org setting", &[ORG]),
    family("system.api_token", "API token", &[TOKEN]),
    family("system.email", "email", &[USER]),
    family("system.idp", "identity provider", &[IDP]),
    family("system.import", "import", &[APP]),
    family("system.log_stream", "log stream", &[LOG_STREAM]),
    family("system.mfa", "MFA enrollment", &[USER]),
    family("system.oauth2", "OAuth 2.0 token", &[APP]),
    family("system.sms", "SMS message", &[USER]),
    family("system.voice", "voice call", &[USER]),
    family("user", "Okta user", &[USER]),
    family(
        "user.account.privilege",
        "administrator privilege",
        &[USER, ROLE],
    ),
    family("user.authentication.sso", "single sign-on to app", &[APP]),
    family("user.mfa", "MFA factor", &[USER, AUTHENTICATOR]),
    family("workload_principal", "workload principal", &[AGENT]),
];

/// Name prefixes of what end users do themselves.
const BY_END_USER: &[&str] = &[
    "user.session",
    "user.authentication",
    "user.account.update_password",
    "user.account.report_suspicious_activity_by_enduser",
    "user.credential.enroll",
    "user.identity_verification",
    "user.mfa.promote_enrollment",
];

/// Name prefixes of what Okta does by itself.
const BY_OKTA: &[&str] = &[
    "entitlement.migration",
    "event_hook.delivery",
    "inline_hook",
    "resource.user_entitlements.drift",
    "security.breached_credential",
    "system.email",
    "system.import",
    "system.org.rate_limit",
    "system.sms",
    "system.voice",
    "user.behavior",
    "user.risk",
];

/// Words of a name (whole segments) that decide the outcome and severity; the first found,
/// reading the name from its end, wins. Anything else is a SUCCESS at INFO.
const OUTCOMES: &[(&str, &str, &str)] = &[
    ("fail", "FAILURE", "WARN"),
    ("failed", "FAILURE", "ERROR"),
    ("deny_access", "DENY", "WARN"),
    ("violation", "RATE_LIMIT", "WARN"),
    ("warning", "SUCCESS", "WARN"),
    ("schedule", "SCHEDULED", "INFO"),
    ("scheduled", "SCHEDULED", "INFO"),
    ("lock", "SUCCESS", "WARN"),
    ("detect", "SUCCESS", "WARN"),
    ("detected", "SUCCESS", "WARN"),
    ("roadblock", "SUCCESS", "WARN"),
    ("upper_limit_exceeded", "SUCCESS", "WARN"),
    ("request_outside_allowed_range", "SUCCESS", "WARN"),
    ("report_suspicious_activity_by_enduser", "SUCCESS", "WARN"),
];

/// The display message and legacy type Okta uses for a few well-known types.
const KNOWN: &[(&str, &str, Option<&str>)] = &[
    (
        "user.session.start",
        "User login to Okta",
        Some("core.user_auth.login_success"),
    ),
    (
        "user.session.end",
        "User logout from Okta",
        Some("core.user_auth.logout_success"),
    ),
    (
        "user.lifecycle.create",
        "Create okta user",
        Some("core.user.config.user_creation.success"),
    ),
    (
        "user.lifecycle.activate",
        "Activate Okta user",
        Some("core.user.config.user_activated"),
    ),
    (
        "user.lifecycle.deactivate",
        "Deactivate Okta user",
        Some("core.user.config.user_deactivated"),
    ),
    (
        "user.lifecycle.suspend",
        "Suspend Okta user",
        Some("core.user.config.user_suspended"),
    ),
    ("user.lifecycle.delete.initiated", "Delete Okta user", None),
    (
        "user.account.update_profile",
        "Update user profile for Okta",
        Some("core.user.config.profile_update.success"),
    ),
    (
        "user.account.lock",
        "Max sign in attempts exceeded",
        Some("core.user_auth.account_locked"),
    ),
    (
        "user.authentication.sso",
        "User single sign on to app",
        Some("app.auth.sso"),
    ),
    (
        "group.user_membership.add",
        "Add user to group membership",
        Some("core.user_group_member.user_add"),
    ),
    (
        "group.user_membership.remove",
        "Remove user from group membership",
        Some("core.user_group_member.user_remove"),
    ),
    (
        "application.user_membership.add",
        "Add user to application membership",
        Some("app.generic.provision.assign_user_to_app"),
    ),
    (
        "application.user_membership.remove",
        "Remove user from application membership",
        Some("app.generic.unauth_app_access_attempt"),
    ),
];

/// How the event types of this name look.
pub(super) fn of(event_type: &str) -> Kind {
    let family = FAMILIES
        .iter()
        .filter(|f| has_prefix(event_type, f.prefix))
        .max_by_key(|f| f.prefix.len());
    let (noun, targets) = family.map_or(("Okta user", &[USER][..]), |f| (f.noun, f.targets));
    let words: Vec<&str> = event_type.split('.').collect();
    let (result, severity) = words
        .iter()
        .rev()
        .find_map(|word| OUTCOMES.iter().find(|(w, ..)| w == word))
        .map_or(("SUCCESS", "INFO"), |(_, result, severity)| {
            (*result, *severity)
        });
    let scheduled = result == "SCHEDULED" || words.last() == Some(&"expire");
    // What runs on a schedule is Okta's doing, whoever set it up.
    let actor = if scheduled || BY_OKTA.iter().any(|p| has_prefix(event_type, p)) {
        Actor::System
    } else if BY_END_USER.iter().any(|p| has_prefix(event_type, p)) {
        Actor::EndUser
    } else {
        Actor::Admin
    };
    let (message, legacy) = match KNOWN.iter().find(|(t, ..)| *t == event_type) {
        Some((_, message, legacy)) => ((*message).to_owned(), *legacy),
        None => (message(&words, noun), None),
    };
    Kind {
        message,
        legacy,
        actor,
        targets,
        result,
        severity,
    }
}

/// `prefix` is the whole name or its first segments.
fn has_prefix(name: &str, prefix: &str) -> bool {
    name.strip_prefix(prefix)
        .is_some_and(|rest| rest.is_empty() || rest.starts_with('.'))
}

/// "Create group", "Deactivate policy rule", "Complete import": the last word of the
/// name as a verb, then the family's noun.
fn message(words: &[&str], noun: &str) -> String {
    let action = words.last().copied().unwrap_or_default().replace('_', " ");
    let mut chars = action.chars();
    let verb: String = match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => "Change".to_owned(),
    };
    format!("{verb} {noun}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn families_are_sorted_and_distinct() {
        assert!(FAMILIES.windows(2).all(|w| w[0].prefix < w[1].prefix));
    }

    #[test]
    fn the_name_decides_targets_actor_and_outcome() {
        let add = of("group.user_membership.add");
        assert_eq!(add.targets, [USER, GROUP]);
        assert_eq!(add.actor, Actor::Admin);
        assert_eq!(add.message, "Add user to group membership");
        assert_eq!(of("policy.branch.rule.add").targets, [POLICY, RULE]);
        assert_eq!(of("group.lifecycle.create").message, "Create group");
        assert_eq!(of("user.session.start").actor, Actor::EndUser);
        assert_eq!(of("system.import.complete").actor, Actor::System);
        assert_eq!(of("access.request.expire").actor, Actor::System);
        let deny = of("application.policy.sign_on.deny_access");
        assert_eq!((deny.result, deny.targets), ("DENY", &[APP, POLICY][..]));
        let failed =
            of("application.provision.group_push.mapping.update.or.delete.failed.with.error");
        assert_eq!((failed.result, failed.severity), ("FAILURE", "ERROR"));
        assert_eq!(of("entitlement.migration.fail").result, "FAILURE");
        assert_eq!(of("system.org.rate_limit.violation").result, "RATE_LIMIT");
        let scheduled = of("user.authentication.universal_logout.scheduled");
        assert_eq!(
            (scheduled.result, scheduled.actor),
            ("SCHEDULED", Actor::System)
        );
        // Whole segments only: `userx` is not the family `user`.
        assert_eq!(of("userx.thing.create").targets, [USER]);
        assert_eq!(of("brand.new.family.create").message, "Create Okta user");
    }
}
