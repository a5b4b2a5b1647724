"""Full event-hook lifecycle with Okta's official Python SDK (`okta` on PyPI) against the emulator.

Configured the SDK's normal way, through the environment:
  OKTA_CLIENT_ORGURL, OKTA_CLIENT_TOKEN, and OKTA_TESTING_TESTINGDISABLEHTTPSCHECK=true
  (the SDK's switch for testing against a plain-http org URL).
HOOK_URI is a local endpoint that answers the verification challenge.
Exits non-zero, naming the failed step, when anything differs from Okta's behaviour.
"""

import asyncio
import os
import sys

from okta.client import Client as OktaClient
from okta.models import (
    EventHook,
    EventHookChannel,
    EventHookChannelConfig,
    EventHookChannelConfigAuthScheme,
    EventHookChannelConfigHeader,
    EventSubscriptions,
)

STEPS = []


def check(step, condition, detail=""):
    STEPS.append(step)
    if not condition:
        raise AssertionError(f"step '{step}' failed {detail}")


def status_of(value):
    return getattr(value, "value", value)


async def main():
    hook_uri = os.environ["HOOK_URI"]
    client = OktaClient()

    hooks, _, err = await client.list_event_hooks()
    check("list", err is None, err)
    before = len(hooks)

    body = EventHook(
        name="python-sdk-interop",
        description="created by okta-sdk-python",
        events=EventSubscriptions(type="EVENT_TYPE", items=["user.session.start", "user.lifecycle.create"]),
        channel=EventHookChannel(
            type="HTTP",
            version="1.0.0",
            config=EventHookChannelConfig(
                uri=hook_uri,
                headers=[EventHookChannelConfigHeader(key="X-From", value="python")],
                auth_scheme=EventHookChannelConfigAuthScheme(type="HEADER", key="Authorization", value="py-secret"),
            ),
        ),
    )
    created, _, err = await client.create_event_hook(body)
    check("create", err is None, err)
    hook_id = created.id
    check("create: id", len(hook_id) == 20 and hook_id.startswith("who"), hook_id)
    check("create: ACTIVE", status_of(created.status) == "ACTIVE", created.status)
    check("create: UNVERIFIED", status_of(created.verification_status) == "UNVERIFIED", created.verification_status)
    check("create: secret not returned", created.channel.config.auth_scheme.value is None)
    check("create: method", created.channel.config.method == "POST", created.channel.config.method)

    got, _, err = await client.get_event_hook(hook_id)
    check("get", err is None and got.name == "python-sdk-interop", err)

    verified, _, err = await client.verify_event_hook(hook_id)
    check("verify", err is None, err)
    check("verify: VERIFIED", status_of(verified.verification_status) == "VERIFIED", verified.verification_status)

    body.channel.config.uri = hook_uri.rstrip("/") + "/moved"
    body.name = "python-sdk-interop-2"
    replaced, _, err = await client.replace_event_hook(hook_id, body)
    check("replace", err is None, err)
    check("replace: name", replaced.name == "python-sdk-interop-2", replaced.name)
    check("replace: UNVERIFIED", status_of(replaced.verification_status) == "UNVERIFIED", replaced.verification_status)

    deactivated, _, err = await client.deactivate_event_hook(hook_id)
    check("deactivate", err is None and status_of(deactivated.status) == "INACTIVE", err)
    activated, _, err = await client.activate_event_hook(hook_id)
    check("activate", err is None and status_of(activated.status) == "ACTIVE", err)
    _, _, err = await client.deactivate_event_hook(hook_id)
    check("deactivate again", err is None, err)

    result = await client.delete_event_hook(hook_id)
    err = result[-1]
    check("delete", err is None, err)

    _, resp, err = await client.get_event_hook(hook_id)
    check("get after delete: error", err is not None)
    check("get after delete: 404", getattr(err, "status", None) == 404, repr(err))
    check("get after delete: E0000007", getattr(err, "error_code", None) == "E0000007", repr(err))

    hooks, _, err = await client.list_event_hooks()
    check("list after delete", err is None and len(hooks) == before, err)


if __name__ == "__main__":
    try:
        asyncio.run(main())
    except Exception as exc:  # report which step broke, then fail
        print(f"python interop: {len(STEPS)} steps passed before: {exc!r}", file=sys.stderr)
        sys.exit(1)
    print(f"python interop: {len(STEPS)} steps passed")
