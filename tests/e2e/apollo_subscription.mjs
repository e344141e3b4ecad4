// Apollo Client subscribes over graphql-ws (GraphQLWsLink) and writes over HTTP: the write's
// event comes back on the subscription.
// stdin: {"url": gateway GraphQL URL, "key": API key}
// stdout: {"event": the subscription's data, "written": the mutation's data}
import { ApolloClient, ApolloLink, HttpLink, InMemoryCache, gql } from "@apollo/client";
import { GraphQLWsLink } from "@apollo/client/link/subscriptions";
import { getMainDefinition } from "@apollo/client/utilities";
import { createClient } from "graphql-ws";
import WebSocket from "ws";
import { text } from "node:stream/consumers";

const { url, key } = JSON.parse(await text(process.stdin));
const authorization = `Bearer ${key}`;
const ws = createClient({
  url: url.replace(/^http/, "ws"),
  webSocketImpl: WebSocket,
  connectionParams: { Authorization: authorization },
});
const link = ApolloLink.split(
  ({ query }) => {
    const definition = getMainDefinition(query);
    return definition.kind === "OperationDefinition" && definition.operation === "subscription";
  },
  new GraphQLWsLink(ws),
  new HttpLink({ uri: url, headers: { authorization } }),
);
const client = new ApolloClient({ link, cache: new InMemoryCache() });

const CHANGED = gql`
  subscription Changed {
    businessCalendarChanged(id: "dcc4a39b-3442-4408-a907-b85c44663681") {
      kind
      id
      businessCalendar { id name }
    }
  }
`;
const RENAME = gql`
  mutation Rename {
    updateBusinessCalendar(id: "Calendar_117", input: { name: "Renamed by Apollo" }) { id name }
  }
`;

let connected;
const ready = new Promise((resolve) => { connected = resolve; });
ws.on("connected", () => connected());
const event = new Promise((resolve, reject) => {
  const subscription = client.subscribe({ query: CHANGED }).subscribe({
    next: (result) => {
      subscription.unsubscribe();
      resolve(result.data);
    },
    error: reject,
  });
});
await ready;
await new Promise((resolve) => setTimeout(resolve, 500)); // the server takes the subscription
const written = await client.mutate({ mutation: RENAME });
const timeout = new Promise((_, reject) => setTimeout(() => reject(new Error("no event")), 8000));
const data = await Promise.race([event, timeout]);
await ws.dispose();
process.stdout.write(JSON.stringify({ event: data, written: written.data }));
