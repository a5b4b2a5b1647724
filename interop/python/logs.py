"""The System Log reader of Okta's official Python SDK (`okta` on PyPI) against the emulator.

Configured like lifecycle.py (OKTA_CLIENT_ORGURL, OKTA_CLIENT_TOKEN,
OKTA_TESTING_TESTINGDISABLEHTTPSCHECK=true). The test fired the events beforehand and says what
the log holds: EXPECTED_UUIDS (comma-separated, in published order), UNTIL (an upper bound that
makes the request bounded), FAILED_HOOK_ID (the hook whose delivery failed). To see polling
bring later events, the script fires more itself through the emulator's own /emulator/fire.
Exits non-zero, naming the failed step, when the SDK and the emulator disagree.
"""

import asyncio
import math
import os
import sys
from urllib.parse import parse_qs, urlparse

import aiohttp
from okta.client import Client as OktaClient

STEPS = []
PAGE = 7


def check(step, condition, detail=""):
    STEPS.append(step)
    if not condition:
        raise AssertionError(f"step '{step}' failed {detail}")


def next_after(resp):
    """The `after` cursor of the response's `Link: <...>; rel="next"`, or None.

    The SDK's response keeps its headers in a plain dict, where of Okta's two `Link` fields
    only the last survives: `next` when there is one (Okta sends `self` first)."""
    values = [value for name, value in resp.headers.items() if name.lower() == "link"]
    for value in values:
        for link in value.split(","):
            url, _, rel = link.partition(";")
            if 'rel="next"' in rel:
                return parse_qs(urlparse(url.strip()[1:-1]).query)["after"][0]
    return None


async def main():
    client = OktaClient()
    expected = os.environ["EXPECTED_UUIDS"].split(",")
    until = os.environ["UNTIL"]
    failed_hook = os.environ["FAILED_HOOK_ID"]

    # Bounded: page through the Link header's next cursor until there is none.
    seen, pages, after = [], 0, None
    while True:
        events, resp, err = await client.list_log_events(until=until, limit=PAGE, after=after)
        check("bounded page", err is None, err)
        seen += [event.uuid for event in events]
        pages += 1
        after = next_after(resp)
        if after is None:
            break
        check("bounded: no endless paging", pages < 1000)
    check("bounded: every event once, in order", seen == expected, f"{len(seen)} of {len(expected)}")
    check("bounded: pages", pages == math.ceil(len(expected) / PAGE), pages)

    # A filter: the failed delivery, typed.
    events, _, err = await client.list_log_events(
        until=until, filter='eventType eq "event_hook.delivery"'
    )
    check("filter", err is None and len(events) == 1, err)
    failure = events[0]
    check("failure: target", failure.target[0].id == failed_hook, failure.target[0].id)
    check("failure: outcome", failure.outcome.result == "FAILURE", failure.outcome.result)

    # Descending, newest first.
    events, _, err = await client.list_log_events(sort_order="DESCENDING", limit=1000)
    check("descending", err is None and [e.uuid for e in events] == expected[::-1], err)

    # Polling: no until; a next link always comes back and brings what is written later.
    events, resp, err = await client.list_log_events(limit=1000)
    check("polling", err is None and len(events) == len(expected), err)
    after = next_after(resp)
    check("polling: next link", after is not None)
    events, resp, err = await client.list_log_events(limit=1000, after=after)
    check("polling: nothing new yet", err is None and events == [] and next_after(resp), err)
    async with aiohttp.ClientSession() as http:
        fired = await http.post(
            os.environ["OKTA_CLIENT_ORGURL"] + "/emulator/fire",
            json={"eventType": "user.account.lock", "count": 2},
            headers={"Authorization": "SSWS " + os.environ["OKTA_CLIENT_TOKEN"]},
        )
        check("fire more", fired.status == 200, fired.status)
    events, resp, err = await client.list_log_events(limit=1000, after=after)
    check("polling: the later events", err is None and len(events) == 2, err)
    check("polling: their type", all(e.event_type == "user.account.lock" for e in events))

    # Outside the emulator's filter subset: Okta's validation error, not a wrong answer.
    _, _, err = await client.list_log_events(filter='published gt "2026-01-01T00:00:00Z"')
    check("bad filter: error", err is not None)
    check("bad filter: E0000001", getattr(err, "error_code", None) == "E0000001", repr(err))


if __name__ == "__main__":
    try:
        asyncio.run(main())
    except Exception as exc:  # report which step broke, then fail
        print(f"python logs: {len(STEPS)} steps passed before: {exc!r}", file=sys.stderr)
        sys.exit(1)
    print(f"python logs: {len(STEPS)} steps passed")
