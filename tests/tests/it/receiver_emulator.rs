//! The receiver against the emulator's real deliveries: Okta's envelope and System Log events
//! parse into the typed models with every documented field, and back-pressure (503) makes the
//! emulator retry once, as Okta does.

use okta_eventhooks::events::{DELIVERY_EVENT_TYPE, LogOutcomeResult, LogSeverity};
use okta_eventhooks::{Channel, EventHook, EventHookVerificationStatus, Events};
use okta_eventhooks_emulator::FireRequest;
use okta_eventhooks_receiver::Receiver;

use okta_eventhooks_tests::emulator::{client, start};

const SECRET: &str = "receiver-emulator-secret";

#[tokio::test]
async fn emulator_deliveries_parse_into_typed_events() {
    let emu = start().await;
    let okta = client(&emu);
    let (receiver, mut inbox) = Receiver::builder()
        .path("/hook")
        .auth_header("Authorization", SECRET)
        .build()
        .unwrap();
    let running = receiver.serve("127.0.0.1:0").await.unwrap();
    let types = [
        "user.lifecycle.create",
        "user.session.start",
        "group.user_membership.add",
    ];
    let hook = EventHook::builder("typed receiver")
        .channel(
            Channel::https(running.url())
                .unwrap()
                .auth_header("Authorization", SECRET),
        )
        .events(Events::types(types))
        .build()
        .unwrap();
    let hook = okta.create_event_hook(&hook).await.unwrap();
    let id = hook.id.clone().unwrap();
    let verified = okta.verify_event_hook(&id).await.unwrap();
    assert_eq!(
        verified.verification_status,
        Some(EventHookVerificationStatus::Verified)
    );
    assert_eq!(running.stats().verifications, 1);

    for event_type in types {
        let summary = emu.fire(event_type, 2).await.unwrap();
        assert_eq!(summary.delivered(), 2, "{event_type}");
        let delivery = inbox.try_recv().expect("queued before the 200");
        assert_eq!(delivery.event_type.as_deref(), Some(DELIVERY_EVENT_TYPE));
        assert_eq!(delivery.event_type_version.as_deref(), Some("1.0"));
        assert_eq!(delivery.cloud_events_version.as_deref(), Some("0.1"));
        assert_eq!(delivery.content_type.as_deref(), Some("application/json"));
        assert_eq!(delivery.event_hook_id(), Some(id.as_str()));
        assert!(delivery.event_id.is_some());
        assert!(
            delivery.event_time_at().is_some(),
            "{:?}",
            delivery.event_time
        );
        assert_eq!(delivery.data.events.len(), 2);
        for event in &delivery.data.events {
            assert_eq!(event.event_type.as_deref(), Some(event_type));
            assert!(event.uuid.is_some() && event.published_at().is_some());
            assert!(!matches!(
                event.severity,
                None | Some(LogSeverity::Unknown(_))
            ));
            assert_eq!(event.outcome_result(), Some(&LogOutcomeResult::Success));
            assert!(event.actor.as_ref().and_then(|a| a.id.as_ref()).is_some());
            assert!(!event.target.is_empty());
            assert!(event.client.is_some() && event.transaction.is_some());
        }
    }
    assert_eq!(running.stats().deliveries, 3);
}

#[tokio::test]
async fn a_full_queue_answers_503_and_okta_retries_once() {
    let emu = start().await;
    let okta = client(&emu);
    let (receiver, mut inbox) = Receiver::builder()
        .path("/hook")
        .channel_capacity(1)
        // Below the test emulator's 1 s timeout, as the default 1 s is below Okta's 3 s.
        .queue_wait(std::time::Duration::from_millis(100))
        .build()
        .unwrap();
    let running = receiver.serve("127.0.0.1:0").await.unwrap();
    let hook = EventHook::builder("back-pressure")
        .channel(Channel::https(running.url()).unwrap())
        .events(Events::types(["user.session.start"]))
        .build()
        .unwrap();
    let id = okta.create_event_hook(&hook).await.unwrap().id.unwrap();
    okta.verify_event_hook(&id).await.unwrap();

    // The first delivery fills the queue; the second is refused twice (503, then its retry).
    assert_eq!(
        emu.fire("user.session.start", 1).await.unwrap().delivered(),
        1
    );
    let refused = emu
        .fire_with(FireRequest::new("user.session.start", 1))
        .await
        .unwrap();
    assert_eq!(refused.delivered(), 0);
    assert_eq!(refused.hooks[0].failed, 1);
    assert_eq!(refused.hooks[0].requests, 2, "a 5xx is retried once");
    assert_eq!(running.stats().overloaded, 2);

    // Okta gives up after the retry (that batch is lost, as with a real org); once user code
    // catches up, the next delivery gets through, and nothing was handed over twice.
    assert!(inbox.try_recv().is_ok());
    assert_eq!(
        emu.fire("user.session.start", 1).await.unwrap().delivered(),
        1
    );
    assert!(inbox.try_recv().is_ok());
    assert!(inbox.try_recv().is_err());
    assert_eq!(running.stats().duplicates, 0);
}
