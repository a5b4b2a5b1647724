// Node leg of bench/sdk-compare.sh: Okta's Node SDK (@okta/okta-sdk-nodejs), same workload as the
// Rust legs: N sequential eventHookApi.getEventHook calls with an SSWS token, each decoded into
// the SDK's EventHook model. Prints one JSON line in the shared shape.
//
// The SDK caches GET responses in memory by default (default-cache-middleware); passing
// `cacheMiddleware: null` is its documented way to turn that off, so every call hits the server
// (sdk-compare.sh checks the server-side count).
'use strict';

const { parseArgs } = require('node:util');
const okta = require('@okta/okta-sdk-nodejs');

async function main() {
  const { values } = parseArgs({
    options: {
      url: { type: 'string' },
      requests: { type: 'string', default: '2000' },
      warmup: { type: 'string', default: '100' },
      token: { type: 'string', default: 'bench-token' },
      'hook-id': { type: 'string', default: 'whokwr4rnwl1qMMuk1d7' },
    },
  });
  if (!values.url) throw new Error('--url is required');
  const requests = Number.parseInt(values.requests, 10);
  const warmup = Math.max(Number.parseInt(values.warmup, 10), 1);
  const eventHookId = values['hook-id'];

  const client = new okta.Client({ orgUrl: values.url, token: values.token, cacheMiddleware: null });
  const fetchOne = async () => {
    const hook = await client.eventHookApi.getEventHook({ eventHookId });
    if (!(hook instanceof okta.EventHook)) {
      throw new Error(`getEventHook returned ${hook && hook.constructor && hook.constructor.name}`);
    }
    return hook;
  };

  let hook;
  for (let i = 0; i < warmup; i += 1) hook = await fetchOne();
  const cpuStart = process.cpuUsage();
  const start = process.hrtime.bigint();
  for (let i = 0; i < requests; i += 1) hook = await fetchOne();
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  // CPU of the whole process (all threads: libuv, GC), like the other legs.
  const cpu = process.cpuUsage(cpuStart);

  console.log(JSON.stringify({
    impl: 'node-okta-sdk',
    requests,
    warmup,
    seconds,
    us_per_call: (seconds * 1e6) / Math.max(requests, 1),
    cpu_us_per_call: (cpu.user + cpu.system) / Math.max(requests, 1),
    hook_name: hook ? hook.name : null,
  }));
}

main().catch((err) => {
  console.error(`node leg: ${err && err.stack ? err.stack : err}`);
  process.exit(1);
});
