// The GraphQL over HTTP audit suite of graphql-http (pinned in package.json) against a live
// gateway: every audit the spec's own reference implementation checks servers with.
// stdin: {"url": gateway GraphQL URL, "headers": {name: value} added to every request}
// stdout: [{"id", "name", "status": "ok" | "notice" | "warn" | "error", "reason"}, ...]
import { auditServer } from "graphql-http";
import { text } from "node:stream/consumers";

const { url, headers } = JSON.parse(await text(process.stdin));

function fetchWithHeaders(input, init = {}) {
  return fetch(input, { ...init, headers: { ...headers, ...init.headers } });
}

const results = await auditServer({ url, fetchFn: fetchWithHeaders });
process.stdout.write(
  JSON.stringify(
    results.map(({ id, name, status, reason }) => ({ id, name, status, reason: reason ?? null })),
  ),
);
