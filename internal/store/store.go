// Package store is rcmbot's persistence layer: batches, claims and their
// findings, the review log, the submission ledger, eligibility results,
// users and sessions, the PHI access log and the weekly reports, over
// SQLite (the default, pure Go) or PostgreSQL through sqlx.
//
// One set of SQL serves both databases. Queries are written with ?
// placeholders and rebound for PostgreSQL; columns use types both accept
// (TEXT, INTEGER, BIGINT, BOOLEAN, DOUBLE PRECISION). Timestamps are stored
// as fixed-width UTC text with microseconds ("2026-03-01T14:05:09.123456Z"),
// which sorts and compares correctly as text and reads back identically on
// both drivers; calendar dates (claim.Date) as YYYY-MM-DD text; money
// (claim.Money) as integer cents. Migrations are embedded in the binary
// (migrations/*.sql) and applied by Migrate.
//
// On SQLite the database runs in WAL mode with foreign keys on. Writes go
// through a pool of exactly one connection that begins transactions with
// BEGIN IMMEDIATE, so concurrent writers in one process queue in Go rather
// than fail with SQLITE_BUSY; a busy timeout covers other processes.
// Reads use a separate pool and never wait for writers.
//
// DB implements every method; the interfaces in interfaces.go group them by
// consumer so each package depends on the few it uses.
package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" driver
	"github.com/jmoiron/sqlx"
	_ "modernc.org/sqlite" // registers the "sqlite" driver
)

func init() {
	// sqlx does not know modernc's driver name; it takes ? placeholders.
	sqlx.BindDriver("sqlite", sqlx.QUESTION)
}

// Dialect names the database behind a DB.
type Dialect string

// The supported databases.
const (
	SQLite   Dialect = "sqlite"
	Postgres Dialect = "postgres"
)

// Errors the store returns (wrapped); test with errors.Is.
var (
	// ErrNotFound means the row asked for does not exist.
	ErrNotFound = errors.New("not found")
	// ErrConflict means a unique value (a username, an idempotency key,
	// a claim already in the submission ledger) is taken.
	ErrConflict = errors.New("already exists")
	// ErrInvalid means an argument is out of the allowed set (an unknown
	// status or role, an empty required ID).
	ErrInvalid = errors.New("invalid value")
	// ErrStale means a row changed since the version an edit was based
	// on was read (optimistic concurrency: reload and edit again).
	ErrStale = errors.New("changed since it was read")
)

// DB is an open rcmbot database.
type DB struct {
	dialect Dialect
	w       *sqlx.DB     // writes and transactions
	r       *sqlx.DB     // reads outside transactions; == w on PostgreSQL
	sealer  Sealer       // encrypts patient data; nil refuses it (see SetSealer)
	audit   *auditSigner // signs the PHI access log's checkpoints; nil signs none (see SetAuditSigner)
}

// Open connects to the database at url: sqlite://PATH (the file and its
// parent directory are created as needed; PATH may be relative) or
// postgres://USER:PASS@HOST:PORT/DB?sslmode=... (postgresql:// too; extra
// parameters such as search_path are passed to the server). It pings the
// database but does not migrate it: call Migrate.
func Open(ctx context.Context, url string) (*DB, error) {
	switch {
	case strings.HasPrefix(url, "sqlite://"):
		return openSQLite(ctx, strings.TrimPrefix(url, "sqlite://"))
	case strings.HasPrefix(url, "postgres://"), strings.HasPrefix(url, "postgresql://"):
		return openPostgres(ctx, url)
	}
	scheme, _, _ := strings.Cut(url, ":")
	return nil, fmt.Errorf("open database: unsupported URL scheme %q: use sqlite://PATH or postgres://USER:PASS@HOST:PORT/DB", scheme)
}

// sqlitePragmas apply to every SQLite connection.
const sqlitePragmas = "_pragma=foreign_keys(1)&_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)&_pragma=synchronous(NORMAL)"

// uriPathEscaper escapes the characters SQLite's file: URIs give meaning
// to, so any file name works.
var uriPathEscaper = strings.NewReplacer("%", "%25", "?", "%3f", "#", "%23")

func openSQLite(ctx context.Context, path string) (*DB, error) {
	if path == "" || path == ":memory:" {
		return nil, fmt.Errorf("open database: sqlite:// needs a file path, e.g. sqlite://./var/rcmbot.db")
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("open database: create directory for %s: %w", path, err)
	}
	// Create the file owner-only before SQLite does (it would use the
	// umask); its -wal and -shm files take the database file's mode.
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("open database %s: %w", path, err)
	}
	f.Close()
	uri := "file:" + uriPathEscaper.Replace(path)
	w, err := sqlx.Open("sqlite", uri+"?"+sqlitePragmas+"&_txlock=immediate")
	if err != nil {
		return nil, fmt.Errorf("open database %s: %w", path, err)
	}
	w.SetMaxOpenConns(1)
	w.SetMaxIdleConns(1)
	w.SetConnMaxIdleTime(0)
	w.SetConnMaxLifetime(0)
	// The writer connects first so the file exists and is in WAL mode
	// before readers open it.
	if err := w.PingContext(ctx); err != nil {
		w.Close()
		return nil, fmt.Errorf("open database %s: %w", path, err)
	}
	r, err := sqlx.Open("sqlite", uri+"?"+sqlitePragmas+"&_pragma=query_only(1)")
	if err != nil {
		w.Close()
		return nil, fmt.Errorf("open database %s: %w", path, err)
	}
	r.SetMaxOpenConns(4)
	r.SetMaxIdleConns(4)
	if err := r.PingContext(ctx); err != nil {
		w.Close()
		r.Close()
		return nil, fmt.Errorf("open database %s: %w", path, err)
	}
	return &DB{dialect: SQLite, w: w, r: r}, nil
}

func openPostgres(ctx context.Context, url string) (*DB, error) {
	x, err := sqlx.Open("pgx", url)
	if err != nil {
		return nil, fmt.Errorf("open postgres database: %w", err)
	}
	x.SetMaxOpenConns(16)
	x.SetMaxIdleConns(4)
	x.SetConnMaxIdleTime(5 * time.Minute)
	if err := x.PingContext(ctx); err != nil {
		x.Close()
		// pgx errors name host and user, never the password.
		return nil, fmt.Errorf("open postgres database: %w", err)
	}
	return &DB{dialect: Postgres, w: x, r: x}, nil
}

// Dialect reports which database d is.
func (d *DB) Dialect() Dialect { return d.dialect }

// Close closes every connection.
func (d *DB) Close() error {
	err := d.w.Close()
	if d.r != d.w {
		err = errors.Join(err, d.r.Close())
	}
	return err
}

// Ping checks that the database answers (for health checks).
func (d *DB) Ping(ctx context.Context) error { return d.r.PingContext(ctx) }

// execer is what both *sqlx.DB and *sqlx.Tx offer.
type execer interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
	Rebind(query string) string
}

// inTx runs fn in a write transaction, committing when fn returns nil.
func (d *DB) inTx(ctx context.Context, fn func(tx *sqlx.Tx) error) error {
	tx, err := d.w.BeginTxx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin transaction: %w", err)
	}
	if err := fn(tx); err != nil {
		tx.Rollback()
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	return nil
}

// exec runs a rebound statement.
func exec(ctx context.Context, e execer, query string, args ...any) (sql.Result, error) {
	return e.ExecContext(ctx, e.Rebind(query), args...)
}

// execOne runs a statement that must change exactly one row; none is ErrNotFound.
func execOne(ctx context.Context, e execer, query string, args ...any) error {
	res, err := exec(ctx, e, query, args...)
	if err != nil {
		return err
	}
	n, err := res.RowsAffected()
	if err != nil {
		return err
	}
	if n == 0 {
		return ErrNotFound
	}
	return nil
}

// queryAll runs a rebound query and scans every row into a T through dest,
// which returns the scan targets for one T in column order.
func queryAll[T any](ctx context.Context, e execer, dest func(*T) []any, query string, args ...any) ([]T, error) {
	var out []T
	err := each(ctx, e, dest, func(v T) error { out = append(out, v); return nil }, query, args...)
	return out, err
}

// each runs a rebound query and calls fn for every row, scanned through dest.
func each[T any](ctx context.Context, e execer, dest func(*T) []any, fn func(T) error, query string, args ...any) error {
	rows, err := e.QueryContext(ctx, e.Rebind(query), args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var v T
		if err := rows.Scan(dest(&v)...); err != nil {
			return err
		}
		if err := fn(v); err != nil {
			return err
		}
	}
	return rows.Err()
}

// queryOne runs a rebound query for one row; no row is ErrNotFound.
func queryOne[T any](ctx context.Context, e execer, dest func(*T) []any, query string, args ...any) (T, error) {
	var v T
	err := e.QueryRowContext(ctx, e.Rebind(query), args...).Scan(dest(&v)...)
	if errors.Is(err, sql.ErrNoRows) {
		return v, ErrNotFound
	}
	return v, err
}

// isUniqueViolation reports whether err is a unique or primary-key
// constraint failure on either database.
func isUniqueViolation(err error) bool {
	if err == nil {
		return false
	}
	s := err.Error()
	return strings.Contains(s, "UNIQUE constraint failed") || // SQLite
		strings.Contains(s, "SQLSTATE 23505") // PostgreSQL unique_violation
}

// Page selects a window of a list. The zero Page is the first
// DefaultPageSize rows; All is every row.
type Page struct {
	Limit  int // rows to return; 0 = DefaultPageSize, capped at MaxPageSize; < 0 = no limit
	Offset int // rows to skip
}

// All asks for every row of a list.
var All = Page{Limit: -1}

// Page sizes.
const (
	DefaultPageSize = 50
	MaxPageSize     = 1000
)

// clause returns " LIMIT n OFFSET m" for p.
func (p Page) clause() string {
	n := p.Limit
	off := max(p.Offset, 0)
	switch {
	case n < 0:
		if off == 0 {
			return ""
		}
		n = math.MaxInt32
	case n == 0:
		n = DefaultPageSize
	case n > MaxPageSize:
		n = MaxPageSize
	}
	return fmt.Sprintf(" LIMIT %d OFFSET %d", n, off)
}

// maxParams bounds the placeholders in one statement (SQLite allows
// 32766, PostgreSQL 65535).
const maxParams = 8000

// insertRows inserts rows (each len(cols) values) into table with
// multi-row INSERT statements. suffix (e.g. " ON CONFLICT DO NOTHING") is
// appended to each statement.
func insertRows(ctx context.Context, e execer, table string, cols []string, rows [][]any, suffix string) error {
	per := max(1, min(500, maxParams/len(cols)))
	one := "(" + strings.Repeat("?, ", len(cols)-1) + "?)"
	head := "INSERT INTO " + table + " (" + strings.Join(cols, ", ") + ") VALUES "
	args := make([]any, 0, per*len(cols))
	for start := 0; start < len(rows); start += per {
		chunk := rows[start:min(start+per, len(rows))]
		var q strings.Builder
		q.WriteString(head)
		args = args[:0]
		for i, r := range chunk {
			if i > 0 {
				q.WriteString(", ")
			}
			q.WriteString(one)
			args = append(args, r...)
		}
		q.WriteString(suffix)
		if _, err := exec(ctx, e, q.String(), args...); err != nil {
			return fmt.Errorf("insert into %s: %w", table, err)
		}
	}
	return nil
}
