// Package history makes realistic chat history for benchmarks, demos and load tests: tenants
// with groups, connectors and agents, then a year of chats with the weekday and hour pattern
// of a contact center, waits, chats abandoned in the queue, conversations in English, German
// and French, internal notes and post-chat ratings. The same seed makes the same history, so
// that a benchmark measures the same data on SQLite and PostgreSQL.
//
// [Plan] is the pure part: from a seed and a clock it decides every chat, message and event
// (no I/O); [Fill] writes a plan's batches through the store's bulk import. A new kind of
// history (contacts, tags) is one more step of the plan and one more field of the batch.
package history
