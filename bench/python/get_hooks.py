"""Python leg of bench/sdk-compare.sh: Okta's Python SDK (`okta` on PyPI), same workload as the
Rust legs: N sequential get_event_hook calls with an SSWS token, each decoded into the SDK's
EventHook model. Prints one JSON line in the shared shape.

The SDK refuses non-https org URLs unless `testing.testingDisableHttpsCheck` is set; its
constructor only merges the `client` section, so the script sets the switch through the SDK's
documented environment form (OKTA_TESTING_TESTINGDISABLEHTTPSCHECK), which sdk-compare.sh exports.
The response cache is off by default (client.cache.enabled = False) and is set off explicitly.
"""

import argparse
import asyncio
import json
import sys
import time

from okta.client import Client as OktaClient
from okta.models.event_hook import EventHook


async def fetch(client, hook_id):
    hook, _resp, err = await client.get_event_hook(hook_id)
    if err is not None:
        raise RuntimeError(f"get_event_hook failed: {err}")
    if not isinstance(hook, EventHook):
        raise RuntimeError(f"get_event_hook returned {type(hook).__name__}, not EventHook")
    return hook


async def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--url", required=True)
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--warmup", type=int, default=100)
    parser.add_argument("--token", default="bench-token")
    parser.add_argument("--hook-id", default="whokwr4rnwl1qMMuk1d7")
    args = parser.parse_args()

    config = {
        "orgUrl": args.url,
        "token": args.token,
        "cache": {"enabled": False},
        # One attempt per call, like the Rust legs (the server never answers 429).
        "rateLimit": {"maxRetries": 0},
    }
    # The context manager gives the client one aiohttp session (one connection pool);
    # without it the SDK opens a session per request.
    async with OktaClient(config) as client:
        hook = None
        for _ in range(max(args.warmup, 1)):
            hook = await fetch(client, args.hook_id)
        cpu_start = time.process_time()
        start = time.perf_counter()
        for _ in range(args.requests):
            hook = await fetch(client, args.hook_id)
        elapsed = time.perf_counter() - start
        cpu = time.process_time() - cpu_start

    print(json.dumps({
        "impl": "python-okta",
        "requests": args.requests,
        "warmup": max(args.warmup, 1),
        "seconds": elapsed,
        "us_per_call": elapsed * 1e6 / max(args.requests, 1),
        # CPU of the whole process (all threads), like the other legs.
        "cpu_us_per_call": cpu * 1e6 / max(args.requests, 1),
        "hook_name": hook.name if hook is not None else None,
    }))


if __name__ == "__main__":
    try:
        asyncio.run(main())
    except Exception as exc:  # report and exit non-zero; the script names the failing leg
        print(f"python leg: {type(exc).__name__}: {exc}", file=sys.stderr)
        sys.exit(1)
