package store

import (
	"context"
	"embed"
	"fmt"
	"io/fs"
	"sort"
	"strings"

	"github.com/jmoiron/sqlx"
)

// migrationFS holds the schema migrations. A file NNNN_name.sql applies to
// both databases; where the dialects cannot share a statement (triggers),
// NNNN_name.sqlite.sql and NNNN_name.postgres.sql together make up
// version NNNN, and each database runs its own.
//
//go:embed migrations/*.sql
var migrationFS embed.FS

// Migration is one schema version.
type Migration struct {
	Version string // "0001"
	Name    string // file name applied on this database
	sql     string
}

// Migrations returns the migrations for dialect, in the order they apply.
func Migrations(dialect Dialect) ([]Migration, error) {
	names, err := fs.Glob(migrationFS, "migrations/*.sql")
	if err != nil {
		return nil, err
	}
	byVersion := map[string]Migration{}
	for _, path := range names {
		name := strings.TrimPrefix(path, "migrations/")
		version, rest, ok := strings.Cut(name, "_")
		if !ok || len(version) != 4 {
			return nil, fmt.Errorf("migration %s: name must be NNNN_description.sql", name)
		}
		base := strings.TrimSuffix(rest, ".sql")
		switch {
		case strings.HasSuffix(base, ".sqlite"):
			if dialect != SQLite {
				continue
			}
		case strings.HasSuffix(base, ".postgres"):
			if dialect != Postgres {
				continue
			}
		}
		if prev, dup := byVersion[version]; dup {
			return nil, fmt.Errorf("migrations %s and %s share version %s", prev.Name, name, version)
		}
		b, err := migrationFS.ReadFile(path)
		if err != nil {
			return nil, err
		}
		byVersion[version] = Migration{Version: version, Name: name, sql: string(b)}
	}
	out := make([]Migration, 0, len(byVersion))
	for _, m := range byVersion {
		out = append(out, m)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Version < out[j].Version })
	return out, nil
}

// migrateLockKey is the PostgreSQL advisory lock Migrate holds, so
// several processes starting at once apply each migration once.
const migrateLockKey = 0x72636d626f74 // "rcmbot"

// Migrate applies every migration not yet recorded in schema_migrations,
// each in its own transaction, in version order. It is safe to call on
// every start and from several processes at once. It returns the names
// of the migrations it applied.
func (d *DB) Migrate(ctx context.Context) ([]string, error) {
	migs, err := Migrations(d.dialect)
	if err != nil {
		return nil, err
	}
	conn, err := d.w.Connx(ctx)
	if err != nil {
		return nil, fmt.Errorf("migrate: %w", err)
	}
	defer conn.Close()
	if d.dialect == Postgres {
		if _, err := conn.ExecContext(ctx, "SELECT pg_advisory_lock($1)", migrateLockKey); err != nil {
			return nil, fmt.Errorf("migrate: lock: %w", err)
		}
		defer conn.ExecContext(context.WithoutCancel(ctx), "SELECT pg_advisory_unlock($1)", migrateLockKey)
	}
	if _, err := conn.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		version    TEXT PRIMARY KEY,
		name       TEXT NOT NULL,
		applied_at TEXT NOT NULL)`); err != nil {
		return nil, fmt.Errorf("migrate: create schema_migrations: %w", err)
	}
	var applied []string
	for _, m := range migs {
		done, err := applyMigration(ctx, conn, m)
		if err != nil {
			return applied, fmt.Errorf("migrate %s: %w", m.Name, err)
		}
		if done {
			applied = append(applied, m.Name)
		}
	}
	return applied, nil
}

// applyMigration applies m unless it is recorded, reporting whether it did.
func applyMigration(ctx context.Context, conn *sqlx.Conn, m Migration) (bool, error) {
	tx, err := conn.BeginTxx(ctx, nil)
	if err != nil {
		return false, err
	}
	defer tx.Rollback()
	var n int
	if err := tx.QueryRowContext(ctx, tx.Rebind("SELECT COUNT(*) FROM schema_migrations WHERE version = ?"), m.Version).Scan(&n); err != nil {
		return false, err
	}
	if n > 0 {
		return false, nil
	}
	if _, err := tx.ExecContext(ctx, m.sql); err != nil {
		return false, err
	}
	if _, err := tx.ExecContext(ctx, tx.Rebind("INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)"),
		m.Version, m.Name, ts(now())); err != nil {
		return false, err
	}
	return true, tx.Commit()
}

// AppliedMigrations lists the versions recorded in schema_migrations, in order.
func (d *DB) AppliedMigrations(ctx context.Context) ([]string, error) {
	var v []string
	if err := d.r.SelectContext(ctx, &v, "SELECT version FROM schema_migrations ORDER BY version"); err != nil {
		return nil, fmt.Errorf("list applied migrations: %w", err)
	}
	return v, nil
}
