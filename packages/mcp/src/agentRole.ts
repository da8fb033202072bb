/** Why a token that is not an agent key is refused, and what to do instead. */
export const NOT_AN_AGENT =
  'the MCP server acts as an agent, so its changes count as agent-made: use an API key with the ' +
  '`agent` role. Create one (as an admin) with POST /v1/api-keys {"name": "my-agent", "role": ' +
  '"agent"} or in the console, and use its token.';
