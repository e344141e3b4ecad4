// Loads an SDL with graphql-js's buildSchema, as a client's tooling does.
// stdin: {"sdl": string}
// stdout: {"scalars": [{"name", "description", "specifiedByURL"}]} (custom scalars only)
import { buildSchema, isScalarType, specifiedScalarTypes } from "graphql";
import { text } from "node:stream/consumers";

const { sdl } = JSON.parse(await text(process.stdin));
const schema = buildSchema(sdl);
const builtIn = new Set(specifiedScalarTypes.map((scalar) => scalar.name));
const scalars = Object.values(schema.getTypeMap())
  .filter((type) => isScalarType(type) && !builtIn.has(type.name))
  .map(({ name, description, specifiedByURL }) => ({ name, description, specifiedByURL }));
process.stdout.write(JSON.stringify({ scalars }));
