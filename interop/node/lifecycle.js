// Full event-hook lifecycle with Okta's official Node SDK (@okta/okta-sdk-nodejs) against the
// emulator, configured the SDK's normal way through the environment: OKTA_CLIENT_ORGURL and
// OKTA_CLIENT_TOKEN (the Node SDK has no HTTPS check to switch off). HOOK_URI is a local endpoint
// that answers the verification challenge. Exits non-zero, naming the failed step, on any
// difference from Okta's behaviour.
'use strict';

const okta = require('@okta/okta-sdk-nodejs');

const steps = [];
function check(step, condition, detail) {
  steps.push(step);
  if (!condition) {
    throw new Error(`step '${step}' failed ${detail === undefined ? '' : JSON.stringify(detail)}`);
  }
}

async function listAll(api) {
  const hooks = [];
  const collection = await api.listEventHooks();
  for await (const hook of collection) {
    hooks.push(hook);
  }
  return hooks;
}

async function main() {
  const hookUri = process.env.HOOK_URI;
  const client = new okta.Client();
  const api = client.eventHookApi;

  const before = await listAll(api);
  check('list', Array.isArray(before));

  const eventHook = {
    name: 'node-sdk-interop',
    description: 'created by okta-sdk-nodejs',
    events: { type: 'EVENT_TYPE', items: ['user.session.start', 'user.lifecycle.create'] },
    channel: {
      type: 'HTTP',
      version: '1.0.0',
      config: {
        uri: hookUri,
        headers: [{ key: 'X-From', value: 'node' }],
        authScheme: { type: 'HEADER', key: 'Authorization', value: 'node-secret' },
      },
    },
  };
  const created = await api.createEventHook({ eventHook });
  const id = created.id;
  check('create: id', typeof id === 'string' && id.length === 20 && id.startsWith('who'), id);
  check('create: ACTIVE', created.status === 'ACTIVE', created.status);
  check('create: UNVERIFIED', created.verificationStatus === 'UNVERIFIED', created.verificationStatus);
  check('create: secret not returned', created.channel.config.authScheme.value === undefined);
  check('create: links', created._links && created._links.verify && created._links.deactivate);

  const got = await api.getEventHook({ eventHookId: id });
  check('get', got.name === 'node-sdk-interop', got.name);

  const verified = await api.verifyEventHook({ eventHookId: id });
  check('verify: VERIFIED', verified.verificationStatus === 'VERIFIED', verified.verificationStatus);

  eventHook.name = 'node-sdk-interop-2';
  eventHook.channel.config.uri = hookUri.replace(/\/$/, '') + '/moved';
  const replaced = await api.replaceEventHook({ eventHookId: id, eventHook });
  check('replace: name', replaced.name === 'node-sdk-interop-2', replaced.name);
  check('replace: UNVERIFIED', replaced.verificationStatus === 'UNVERIFIED', replaced.verificationStatus);

  const deactivated = await api.deactivateEventHook({ eventHookId: id });
  check('deactivate', deactivated.status === 'INACTIVE', deactivated.status);
  const activated = await api.activateEventHook({ eventHookId: id });
  check('activate', activated.status === 'ACTIVE', activated.status);

  // Deleting an ACTIVE hook is refused; deleting an INACTIVE one works.
  let refused;
  try {
    await api.deleteEventHook({ eventHookId: id });
  } catch (err) {
    refused = err;
  }
  check('delete while ACTIVE: 400', refused && refused.status === 400, refused && refused.message);
  await api.deactivateEventHook({ eventHookId: id });
  await api.deleteEventHook({ eventHookId: id });
  let notFound;
  try {
    await api.getEventHook({ eventHookId: id });
  } catch (err) {
    notFound = err;
  }
  check('get after delete: 404', notFound && notFound.status === 404, notFound && notFound.message);
  check('get after delete: E0000007', notFound.errorCode === 'E0000007', notFound.errorCode);

  const after = await listAll(api);
  check('list after delete', after.length === before.length, after.length);
}

main().then(
  () => console.log(`node interop: ${steps.length} steps passed`),
  (err) => {
    console.error(`node interop: ${steps.length} steps passed before: ${err && err.stack ? err.stack : err}`);
    process.exit(1);
  },
);
