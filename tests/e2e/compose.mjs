// Composes subgraph SDLs into a supergraph with one composition library.
// stdin: {"library": "apollo" | "guild", "subgraphs": [{"name", "url", "sdl"}]}
// stdout: {"errors": [message, ...], "supergraph": boolean}
import * as apollo from "@apollo/composition";
import * as guild from "@theguild/federation-composition";
import { parse } from "graphql";
import { text } from "node:stream/consumers";

const { library, subgraphs } = JSON.parse(await text(process.stdin));
const services = subgraphs.map(({ name, url, sdl }) => ({ name, url, typeDefs: parse(sdl) }));

let result;
if (library === "apollo") {
  result = apollo.composeServices(services);
} else if (library === "guild") {
  result = guild.composeServices(services);
} else {
  throw new Error(`unknown composition library: ${library}`);
}

const errors = (result.errors ?? []).map((error) => error.message);
process.stdout.write(JSON.stringify({ errors, supergraph: Boolean(result.supergraphSdl) }));
