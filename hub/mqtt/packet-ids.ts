// MQTT packet identifiers are 16-bit and shared by everything sent on one connection. The
// hub splits them: the connection (connection.ts) numbers its own QoS 1 publishes and
// subscriptions from a small low range, and the reading pump owns the rest. So a PUBACK
// names its owner by its number alone, and the connection hands the pump the PUBACKs of
// its range.

/** Ids of the connection's own packets: 1..LAST_CLIENT_ID. */
export const LAST_CLIENT_ID = 4095;
/** Ids of readings: FIRST_READING_ID..65535. */
export const FIRST_READING_ID = LAST_CLIENT_ID + 1;
export const READING_IDS = 65535 - FIRST_READING_ID + 1;
