"""Load check for a running emulator (uses aiohttp, which the `okta` SDK venv already has).

    okta-eventhooks emulator --port 8180 --rate-limit 1000000 [--state s.json] &
    target/interop-venv/bin/python interop/python/load.py http://127.0.0.1:8180 500

Creates and deactivates N hooks with 20 concurrent clients (below the 25-active limit), then
lists them 2000 times; prints throughput and latency percentiles. Exits non-zero on any
unexpected answer.
"""

import asyncio
import sys
import time

import aiohttp

CONCURRENCY = 20
LISTS = 2000


def body(i):
    return {
        "name": f"load-{i}",
        "events": {"type": "EVENT_TYPE", "items": ["user.session.start"]},
        "channel": {"type": "HTTP", "version": "1.0.0", "config": {"uri": "https://hooks.example.com/x"}},
    }


def pct(sorted_values, p):
    return sorted_values[min(len(sorted_values) - 1, int(len(sorted_values) * p))] * 1000


async def main(url, n, token):
    headers = {"Authorization": f"SSWS {token}"}
    gate = asyncio.Semaphore(CONCURRENCY)
    async with aiohttp.ClientSession(headers=headers) as session:
        latencies = []

        async def create_and_deactivate(i):
            async with gate:
                started = time.perf_counter()
                async with session.post(f"{url}/api/v1/eventHooks", json=body(i)) as r:
                    hook = await r.json()
                    assert r.status == 200, (r.status, hook)
                latencies.append(time.perf_counter() - started)
                async with session.post(f"{url}/api/v1/eventHooks/{hook['id']}/lifecycle/deactivate", data=b"") as r:
                    await r.read()
                    assert r.status == 200, r.status

        started = time.perf_counter()
        await asyncio.gather(*(create_and_deactivate(i) for i in range(n)))
        elapsed = time.perf_counter() - started
        latencies.sort()
        print(f"{n} creates + {n} deactivates ({CONCURRENCY} concurrent): {2 * n / elapsed:.0f} writes/s; "
              f"create p50 {pct(latencies, 0.5):.1f} ms, p99 {pct(latencies, 0.99):.1f} ms")

        latencies.clear()

        async def list_all():
            async with gate:
                started = time.perf_counter()
                async with session.get(f"{url}/api/v1/eventHooks") as r:
                    await r.read()
                    assert r.status == 200, r.status
                latencies.append(time.perf_counter() - started)

        started = time.perf_counter()
        await asyncio.gather(*(list_all() for _ in range(LISTS)))
        elapsed = time.perf_counter() - started
        latencies.sort()
        print(f"{LISTS} lists of {n} hooks ({CONCURRENCY} concurrent): {LISTS / elapsed:.0f} req/s; "
              f"p50 {pct(latencies, 0.5):.1f} ms, p99 {pct(latencies, 0.99):.1f} ms")


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 500,
                     sys.argv[3] if len(sys.argv) > 3 else "emulator-token"))
