// Package report computes a tenant's chat figures for a date range — requests, answers,
// abandons, misses, waiting-time percentiles and histogram, service level, first-response
// and handling times, chats per agent, concurrency over time, ratings, left messages, tags,
// outcomes and a weekday × hour heatmap — on SQLite and PostgreSQL.
//
// The database selects the filter's chats (through the tenant's index by request time) and
// hands over a few columns of each in one pass: on SQLite one packed text column per chat with
// its tags, a longer range read in two stretches at once; on PostgreSQL the columns, with the
// tags counted by the database on a second connection. [Compute], pure Go, derives every
// figure from them. One pass over a year of chats costs
// less than the eleven aggregate queries it replaced (on SQLite each one read the year
// again), the percentiles are exact on both databases, and the local weekday and hour come
// from Go's time zone database on both alike.
package report
