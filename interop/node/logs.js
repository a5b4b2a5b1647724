// The System Log reader of Okta's official Node SDK (@okta/okta-sdk-nodejs) against the
// emulator, configured like lifecycle.js. The test fired the events beforehand and says what
// the log holds: EXPECTED_UUIDS (comma-separated, in published order), UNTIL (an upper bound
// that makes the request bounded), FAILED_HOOK_ID (the hook whose delivery failed). To see
// polling bring later events, the script fires more itself through the emulator's own
// /emulator/fire. Exits non-zero, naming the failed step, when the SDK and the emulator disagree.
'use strict';

const okta = require('@okta/okta-sdk-nodejs');

const steps = [];
function check(step, condition, detail) {
  steps.push(step);
  if (!condition) {
    throw new Error(`step '${step}' failed ${detail === undefined ? '' : JSON.stringify(detail)}`);
  }
}

/** Reads a collection until it runs dry: the end (bounded) or no events yet (polling). */
async function drain(collection) {
  const events = [];
  for (;;) {
    const { value, done } = await collection.next();
    if (value) {
      events.push(value);
    }
    if (done || !value) {
      return { events, done };
    }
  }
}

async function main() {
  const expected = process.env.EXPECTED_UUIDS.split(',');
  const until = process.env.UNTIL;
  const client = new okta.Client();
  const api = client.systemLogApi;

  // Bounded: the SDK follows the Link header's next links to the end.
  const bounded = await drain(await api.listLogEvents({ until, limit: 7 }));
  check('bounded: the end', bounded.done);
  const seen = bounded.events.map((e) => e.uuid);
  check('bounded: every event once, in order', JSON.stringify(seen) === JSON.stringify(expected), seen.length);

  // A filter: the failed delivery.
  const failures = await drain(
    await api.listLogEvents({ until, filter: 'eventType eq "event_hook.delivery"' }),
  );
  check('filter', failures.events.length === 1, failures.events.length);
  check('failure: target', failures.events[0].target[0].id === process.env.FAILED_HOOK_ID);
  check('failure: outcome', failures.events[0].outcome.result === 'FAILURE');

  // Descending, newest first.
  const descending = await drain(await api.listLogEvents({ sortOrder: 'DESCENDING', limit: 10 }));
  const reversed = descending.events.map((e) => e.uuid).reverse();
  check('descending', JSON.stringify(reversed) === JSON.stringify(expected), reversed.length);

  // Polling: the collection never ends; once dry, later events come through the same one.
  const polling = await api.listLogEvents({ limit: 5 });
  const first = await drain(polling);
  check('polling: everything so far', first.events.length === expected.length, first.events.length);
  check('polling: not done', !first.done);
  const fired = await fetch(`${process.env.OKTA_CLIENT_ORGURL}/emulator/fire`, {
    method: 'POST',
    headers: { authorization: `SSWS ${process.env.OKTA_CLIENT_TOKEN}`, 'content-type': 'application/json' },
    body: JSON.stringify({ eventType: 'user.account.lock', count: 2 }),
  });
  check('fire more', fired.status === 200, fired.status);
  const later = await drain(polling);
  check('polling: the later events', later.events.length === 2, later.events.length);
  check('polling: their type', later.events.every((e) => e.eventType === 'user.account.lock'));

  // Outside the emulator's filter subset: Okta's validation error.
  let refused;
  try {
    await drain(await api.listLogEvents({ filter: 'published gt "2026-01-01T00:00:00Z"' }));
  } catch (err) {
    refused = err;
  }
  check('bad filter: 400', refused && refused.status === 400, refused && refused.message);
  check('bad filter: E0000001', refused.errorCode === 'E0000001', refused.errorCode);
}

main().then(
  () => console.log(`node logs: ${steps.length} steps passed`),
  (err) => {
    console.error(`node logs: ${steps.length} steps passed before: ${err && err.stack ? err.stack : err}`);
    process.exit(1);
  },
);
