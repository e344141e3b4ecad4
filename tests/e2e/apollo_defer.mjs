// Apollo Client runs a query with @defer: the gateway's multipart/mixed answer arrives in parts.
// stdin: {"url": gateway GraphQL URL, "key": API key}
// stdout: [{"at": ms since the query began, "dataState", "subject", "bookingId"}] per result seen
import { ApolloClient, HttpLink, InMemoryCache, gql } from "@apollo/client";
import { GraphQL17Alpha9Handler } from "@apollo/client/incremental";
import { text } from "node:stream/consumers";

const { url, key } = JSON.parse(await text(process.stdin));

const client = new ApolloClient({
  link: new HttpLink({ uri: url, headers: { authorization: `Bearer ${key}` } }),
  cache: new InMemoryCache(),
  // graphql-core 3.3 (the gateway's) speaks the format of graphql-js 17.0.0-alpha.9.
  incrementalHandler: new GraphQL17Alpha9Handler(),
});

const PAGE = gql`
  query Page {
    appointment(id: "1758831") { id subject }
    ... @defer(label: "bookings") {
      booking(id: "137463") { id start }
    }
  }
`;

const began = performance.now();
const seen = [];
await new Promise((resolve, reject) => {
  const subscription = client.watchQuery({ query: PAGE, fetchPolicy: "network-only" }).subscribe({
    next(result) {
      if (result.data === undefined) return;
      seen.push({
        at: performance.now() - began,
        dataState: result.dataState,
        subject: result.data.appointment?.subject ?? null,
        bookingId: result.data.booking?.id ?? null,
      });
      if (result.dataState === "complete") {
        subscription.unsubscribe();
        resolve();
      }
    },
    error: reject,
  });
});

process.stdout.write(JSON.stringify(seen));
