// Package layers holds no code: its test checks the import rules that
// ARCHITECTURE.md states, over every package of the module, so they stay
// true as bots are added. A new package is a domain package unless the
// test's table says otherwise; one that needs another layer is added to
// the table, deliberately.
package layers
