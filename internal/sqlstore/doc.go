// Package sqlstore is what the SQL stores (packages sqlite and postgres)
// say alike: the column lists of their shared schema, the scanning of rows
// into vigil's types, the audit-event query built from a vigil.EventFilter,
// the limits the contracts leave to the store, and the normal form of what
// they return. A store supplies its Dialect: how its driver numbers
// parameters and keeps times and token hashes.
//
// What differs stays in each store: transactions and locking, the
// revocation log's append (PostgreSQL orders it with an advisory lock and
// notifies), LISTEN/NOTIFY, throttle updates, error mapping and
// migrations.
package sqlstore
