// Package report computes a tenant's chat figures for a date range — requests, answers,
// abandons, misses, waiting-time percentiles and histogram, service level, first-response
// and handling times, chats per agent, concurrency over time, ratings, left messages, tags,
// outcomes and a weekday × hour heatmap — in SQL on SQLite and PostgreSQL, so that a report
// over a year of history aggregates in the database instead of loading rows into the server.
//
// Both dialects answer the same questions with the same numbers: PostgreSQL with
// percentile_cont and AT TIME ZONE, SQLite (which has neither) with window functions and a
// table of the tenant's UTC offsets over the range, computed in Go from the time zone
// database (see offsets.go).
package report
