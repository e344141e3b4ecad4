// A real frontend client: Apollo Client with automatic persisted queries, over HTTP.
// stdin: {"url": gateway GraphQL URL, "key": API key}
// stdout: {"query", "mutation", "again": results; "requests": [{"hasQuery", "hash"}] in order}
import { ApolloClient, HttpLink, InMemoryCache, gql } from "@apollo/client";
import { PersistedQueryLink } from "@apollo/client/link/persisted-queries";
import { createHash } from "node:crypto";
import { text } from "node:stream/consumers";

const { url, key } = JSON.parse(await text(process.stdin));
const requests = [];

function recordingFetch(uri, options) {
  const body = JSON.parse(options.body);
  requests.push({
    hasQuery: typeof body.query === "string",
    hash: body.extensions?.persistedQuery?.sha256Hash ?? null,
  });
  return fetch(uri, options);
}

function client() {
  const persisted = new PersistedQueryLink({
    sha256: (query) => createHash("sha256").update(query).digest("hex"),
  });
  const http = new HttpLink({
    uri: url,
    fetch: recordingFetch,
    headers: { authorization: `Bearer ${key}` },
  });
  return new ApolloClient({ link: persisted.concat(http), cache: new InMemoryCache() });
}

const CALENDARS = gql`
  query Calendars {
    businessCalendars { id name weekStarts }
  }
`;
const ADD = gql`
  mutation Add($id: ID!, $exception: CalendarExceptionInput!) {
    addCalendarException(id: $id, exception: $exception) { id exceptions { name } }
  }
`;

const first = client();
const query = await first.query({ query: CALENDARS });
const mutation = await first.mutate({
  mutation: ADD,
  variables: {
    id: "Calendar_117",
    exception: { name: "Apollo day", type: "HOLIDAY", placement: "ANNUAL", annualMonth: 3, annualDay: 3 },
  },
});
// A second browser, say: it sends the hash alone, which the gateway now knows.
const again = await client().query({ query: CALENDARS });

process.stdout.write(
  JSON.stringify({ query: query.data, mutation: mutation.data, again: again.data, requests }),
);
