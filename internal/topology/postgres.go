package topology

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
)

// Postgres is a PostgreSQL cluster of Debian's postgresql package, run by
// pg_ctl on 127.0.0.1 only (no Unix socket), with trust authentication
// for the user postgres. As root, its programs run as the postgres user.
type Postgres struct {
	Name string // the compose service it stands for
	Port int
	Dir  string // data directory
	bin  string // the server's bin directory
}

// postgresBin returns Debian's newest PostgreSQL bin directory and its
// major version.
func postgresBin() (string, int, error) {
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	if len(dirs) == 0 {
		return "", 0, fmt.Errorf("PostgreSQL is not installed: apt-get install postgresql (.ci/run does)")
	}
	major := func(d string) int {
		n, _ := strconv.Atoi(filepath.Base(filepath.Dir(d)))
		return n
	}
	sort.Slice(dirs, func(i, j int) bool { return major(dirs[i]) < major(dirs[j]) })
	d := dirs[len(dirs)-1]
	return d, major(d), nil
}

// asPostgres runs a PostgreSQL program, as the postgres user when root
// (the server refuses to run as root).
func asPostgres(name string, args ...string) *exec.Cmd {
	if os.Geteuid() == 0 {
		return exec.Command("runuser", append([]string{"-u", "postgres", "--", name}, args...)...)
	}
	return exec.Command(name, args...)
}

// newPostgres initialises a cluster in a new directory under parent
// (which the postgres user must be able to traverse).
func newPostgres(name, parent string, port int) (*Postgres, error) {
	bin, _, err := postgresBin()
	if err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp(parent, "rcmbot-"+name+"-")
	if err != nil {
		return nil, err
	}
	if os.Geteuid() == 0 {
		if out, err := exec.Command("chown", "postgres:postgres", dir).CombinedOutput(); err != nil {
			return nil, fmt.Errorf("chown %s: %v: %s", dir, err, out)
		}
	}
	pg := &Postgres{Name: name, Port: port, Dir: dir, bin: bin}
	if out, err := asPostgres(filepath.Join(bin, "initdb"), "-D", dir, "-U", "postgres", "--auth=trust", "-E", "UTF8").CombinedOutput(); err != nil {
		return nil, fmt.Errorf("initdb %s: %v: %s", name, err, out)
	}
	return pg, nil
}

// Start starts the cluster and waits until it accepts connections.
func (pg *Postgres) Start() error {
	opts := fmt.Sprintf("-c listen_addresses=127.0.0.1 -p %d -c unix_socket_directories='' -c max_connections=300 -c fsync=off -c synchronous_commit=off", pg.Port)
	out, err := asPostgres(filepath.Join(pg.bin, "pg_ctl"), "-D", pg.Dir, "-l", filepath.Join(pg.Dir, "server.log"), "-w", "-o", opts, "start").CombinedOutput()
	if err != nil {
		return fmt.Errorf("start PostgreSQL %s: %v: %s", pg.Name, err, out)
	}
	return nil
}

// Stop stops the cluster the way a restart does ("fast": open
// connections are cut, transactions in flight roll back).
func (pg *Postgres) Stop() error {
	out, err := asPostgres(filepath.Join(pg.bin, "pg_ctl"), "-D", pg.Dir, "-m", "fast", "-w", "stop").CombinedOutput()
	if err != nil && !strings.Contains(string(out), "not running") {
		return fmt.Errorf("stop PostgreSQL %s: %v: %s", pg.Name, err, out)
	}
	return nil
}

// CreateDB creates a database (what the postgres image's POSTGRES_DB does).
func (pg *Postgres) CreateDB(name string) error {
	out, err := asPostgres(filepath.Join(pg.bin, "createdb"), "-h", "127.0.0.1", "-p", strconv.Itoa(pg.Port), "-U", "postgres", name).CombinedOutput()
	if err != nil {
		return fmt.Errorf("createdb %s: %v: %s", name, err, out)
	}
	return nil
}

// URL is the database's URL in RCMBOT_DB_URL's form.
func (pg *Postgres) URL(db string) string {
	return fmt.Sprintf("postgres://postgres@127.0.0.1:%d/%s?sslmode=disable", pg.Port, db)
}

// remove stops the cluster and deletes its directory.
func (pg *Postgres) remove() error {
	err := pg.Stop()
	if rerr := os.RemoveAll(pg.Dir); err == nil {
		err = rerr
	}
	return err
}
