// Package store keeps the ledger and River's job queue in one database:
// an embedded SQLite file by default, or PostgreSQL for several replicas.
package store
