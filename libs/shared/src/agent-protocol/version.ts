/**
 * The agent protocol version. Bump it on any incompatible change to the schemas in this folder;
 * the manager refuses an agent that speaks another version with PROTOCOL_VERSION_MISMATCH, and the
 * agent stops with a message that says which side to upgrade.
 */
export const AGENT_PROTOCOL_VERSION = 1;

/** Sent by the agent on every call (also the LAN calls). */
export const PROTOCOL_HEADER = 'x-outpost-protocol';
