// A real subscriber: the graphql-ws client over WebSocket. It subscribes, waits for the
// server to take the subscription, makes the triggering HTTP calls, then collects events.
// stdin: {"url": ws URL, "key": API key, "query", "variables", "triggers": [{url, method,
//         headers, body}], "events": how many to wait for, "timeoutMs"}
// stdout: {"events": [{"ms": after the last trigger answered, "payload"}], "closed": code|null}
import { createClient } from "graphql-ws";
import WebSocket from "ws";
import { text } from "node:stream/consumers";

const input = JSON.parse(await text(process.stdin));
let closed = null;
let socketOpened;
const opened = new Promise((resolve) => { socketOpened = resolve; });
const client = createClient({
  url: input.url,
  webSocketImpl: WebSocket,
  connectionParams: { Authorization: `Bearer ${input.key}` },
  retryAttempts: 0,
  lazy: false,
  on: {
    connected: () => socketOpened(true),
    closed: (event) => { closed = event.code; socketOpened(false); },
  },
});

const events = [];
let triggered = null;
let done;
const finished = new Promise((resolve) => { done = resolve; });
const unsubscribe = client.subscribe(
  { query: input.query, variables: input.variables ?? {} },
  {
    next: (payload) => {
      events.push({ ms: triggered === null ? null : performance.now() - triggered, payload });
      if (events.length >= input.events) done();
    },
    error: (error) => {
      events.push({ ms: null, error: Array.isArray(error) ? error : String(error.code ?? error) });
      done();
    },
    complete: () => done(),
  },
);

if (await opened) {
  // The subscription is taken in the server's own time after the socket's ack.
  await new Promise((resolve) => setTimeout(resolve, 500));
  for (const trigger of input.triggers ?? []) {
    const response = await fetch(trigger.url, {
      method: trigger.method ?? "POST",
      headers: trigger.headers ?? {},
      body: trigger.body === undefined ? undefined : JSON.stringify(trigger.body),
    });
    if (!response.ok) throw new Error(`${trigger.url}: ${response.status} ${await response.text()}`);
    await response.arrayBuffer();
  }
  triggered = performance.now();
}
const timer = setTimeout(done, input.timeoutMs);
await finished;
clearTimeout(timer);
unsubscribe();
await client.dispose();
process.stdout.write(JSON.stringify({ events, closed }));
