// An Apollo gateway that introspects and composes running subgraphs, then runs one operation.
// stdin: {"subgraphs": [{"name", "url"}], "query": string, "variables": object}
// stdout: the operation's result, {"data", "errors"}
import { ApolloGateway, IntrospectAndCompose } from "@apollo/gateway";
import { ApolloServer } from "@apollo/server";
import { text } from "node:stream/consumers";

const { subgraphs, query, variables } = JSON.parse(await text(process.stdin));

const gateway = new ApolloGateway({
  supergraphSdl: new IntrospectAndCompose({ subgraphs }),
  logger: { debug() {}, info() {}, warn: console.error, error: console.error },
});
const server = new ApolloServer({ gateway });
await server.start();
try {
  const response = await server.executeOperation({ query, variables });
  if (response.body.kind !== "single") {
    throw new Error(`expected a single result, got ${response.body.kind}`);
  }
  process.stdout.write(JSON.stringify(response.body.singleResult));
} finally {
  await server.stop();
}
