package layers

import (
	"go/build"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"
)

const module = "github.com/rcmbot/rcmbot"

// Layers, lowest first. A package may import packages of its own layer or
// below, never above (and the rules below narrow some layers further).
const (
	domain    = iota // types and logic: no Temporal, HTTP or SQL
	adapter          // the outside world: store, blob store, API clients, Temporal plumbing, simulators
	activity         // activities: domain packages and adapters, for Temporal
	workflow         // deterministic orchestration
	frontDoor        // internal/<bot>bot: what the web app and CLI call
	webApp           // internal/web and below: pages, REST API, codec server
	wiring           // cmd, internal/bots, end-to-end tests (internal/e2e, internal/topology), fixtures
)

var layerNames = []string{"domain", "adapter", "activities", "workflows", "front door", "web", "wiring"}

// layerOf classifies a package by its path inside the module. Packages
// not named here are domain packages.
func layerOf(rel string) int {
	switch {
	case rel == "activities":
		return activity
	case rel == "workflows":
		return workflow
	case strings.HasPrefix(rel, "cmd/"), rel == "internal/bots", strings.HasPrefix(rel, "internal/e2e"), rel == "internal/topology", strings.HasPrefix(rel, "fixtures/"):
		return wiring
	case rel == "internal/web", strings.HasPrefix(rel, "internal/web/"):
		return webApp
	case strings.HasPrefix(rel, "internal/") && strings.HasSuffix(rel, "bot"):
		return frontDoor
	}
	for _, a := range adapters {
		if rel == a || strings.HasPrefix(rel, a+"/") {
			return adapter
		}
	}
	return domain
}

// adapters are the packages that talk to the outside world.
var adapters = []string{
	"internal/store", "internal/blob", "internal/payer", "internal/clearinghouse", "internal/temporalx",
	"internal/codec", "internal/keyring", "internal/sim", "internal/logging", "internal/config", "internal/devstack",
	"internal/mail", "internal/supplier",
}

// forbiddenInDomain are imports (and their subpackages) a domain package
// may not have: domain logic is tested without Temporal, HTTP servers or
// databases. database/sql/driver is allowed: it only declares the
// Valuer and Scanner interfaces claim.Money and claim.Date implement.
var forbiddenInDomain = []string{"go.temporal.io", "net/http", "database/sql", "github.com/jmoiron/sqlx", "github.com/jackc/pgx", "modernc.org/sqlite"}

func forbiddenInDomainPackage(imp string) bool {
	if imp == "database/sql/driver" {
		return false
	}
	for _, bad := range forbiddenInDomain {
		if imp == bad || strings.HasPrefix(imp, bad+"/") {
			return true
		}
	}
	return false
}

type pkg struct {
	rel                          string // path inside the module
	imports, testImports, xtests []string
}

// modulePackages reads the imports of every package in the module.
func modulePackages(t *testing.T) map[string]pkg {
	t.Helper()
	root, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(root, "go.mod")); err != nil {
		t.Fatalf("module root not found at %s: %v", root, err)
	}
	out := map[string]pkg{}
	err = filepath.WalkDir(root, func(path string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() {
			return nil
		}
		name := d.Name()
		if path != root && (strings.HasPrefix(name, ".") || strings.HasPrefix(name, "_") || name == "testdata" || name == "var" || name == "test-artifacts") {
			return filepath.SkipDir
		}
		bp, err := build.Default.ImportDir(path, 0)
		if err != nil {
			if _, ok := err.(*build.NoGoError); ok {
				return nil
			}
			t.Errorf("read %s: %v", path, err)
			return nil
		}
		rel, _ := filepath.Rel(root, path)
		rel = filepath.ToSlash(rel)
		out[rel] = pkg{rel: rel, imports: bp.Imports, testImports: bp.TestImports, xtests: bp.XTestImports}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(out) < 20 {
		t.Fatalf("found only %d packages under %s", len(out), root)
	}
	return out
}

// local returns the module-relative path of an import, or "" for one
// outside the module.
func local(imp string) string {
	if imp == module {
		return "."
	}
	rel, ok := strings.CutPrefix(imp, module+"/")
	if !ok {
		return ""
	}
	return rel
}

// deps returns every module package rel imports, directly or not (non-test
// imports only).
func deps(pkgs map[string]pkg, rel string) []string {
	seen := map[string]bool{}
	var walk func(string)
	walk = func(p string) {
		for _, imp := range pkgs[p].imports {
			if l := local(imp); l != "" && !seen[l] {
				seen[l] = true
				walk(l)
			}
		}
	}
	walk(rel)
	out := make([]string, 0, len(seen))
	for p := range seen {
		out = append(out, p)
	}
	sort.Strings(out)
	return out
}

// Dependencies point one way: no package imports a layer above its own.
func TestNothingImportsUpward(t *testing.T) {
	pkgs := modulePackages(t)
	for _, p := range pkgs {
		from := layerOf(p.rel)
		for _, imp := range p.imports {
			l := local(imp)
			if l == "" {
				continue
			}
			if to := layerOf(l); to > from {
				t.Errorf("%s (%s) imports %s (%s): dependencies point down, cmd and web → front doors → workflows → activities → domain and adapters",
					p.rel, layerNames[from], l, layerNames[to])
			}
		}
	}
}

// Domain packages import no Temporal, HTTP or SQL, directly or through
// another package.
func TestDomainPackagesStayPlain(t *testing.T) {
	pkgs := modulePackages(t)
	for _, p := range pkgs {
		if layerOf(p.rel) != domain {
			continue
		}
		for _, dep := range append([]string{p.rel}, deps(pkgs, p.rel)...) {
			for _, imp := range pkgs[dep].imports {
				if forbiddenInDomainPackage(imp) {
					t.Errorf("domain package %s imports %s (through %s): domain packages hold types and logic, tested without Temporal, HTTP or SQL; "+
						"if %s is an adapter, add it to adapters in internal/layers", p.rel, imp, dep, p.rel)
				}
			}
		}
	}
}

// Workflows never import the store (or any other adapter but temporalx):
// they pass IDs, and activities load what the IDs point at.
func TestWorkflowsDoNotImportTheStore(t *testing.T) {
	pkgs := modulePackages(t)
	p, ok := pkgs["workflows"]
	if !ok {
		t.Fatal("no workflows package")
	}
	for _, imp := range p.imports {
		l := local(imp)
		if l != "" && layerOf(l) == adapter && l != "internal/temporalx" {
			t.Errorf("workflows imports %s: workflows orchestrate activities by IDs; only activities use adapters", l)
		}
		if imp == "database/sql" || strings.HasPrefix(imp, "net/http") {
			t.Errorf("workflows imports %s", imp)
		}
	}
	if !slices.Contains(p.imports, module+"/activities") {
		t.Errorf("workflows does not import activities: is this test reading the right package? imports %v", p.imports)
	}
}

// The web app reaches bots through their front doors' interfaces and
// domain types: neither it nor anything it imports is a workflow or
// activity package, and its tests import neither directly (they build the
// real stack through internal/bots).
func TestWebImportsNoTemporalAdapters(t *testing.T) {
	pkgs := modulePackages(t)
	checked := 0
	for _, p := range pkgs {
		if layerOf(p.rel) != webApp {
			continue
		}
		checked++
		for _, dep := range deps(pkgs, p.rel) {
			if dep == "activities" || dep == "workflows" || layerOf(dep) == frontDoor {
				t.Errorf("%s imports %s (directly or through another package): the web app talks to bots through interfaces their front doors implement", p.rel, dep)
			}
		}
		for _, imp := range append(slices.Clone(p.testImports), p.xtests...) {
			if l := local(imp); l == "activities" || l == "workflows" {
				t.Errorf("a test of %s imports %s: test the web app through the front doors", p.rel, l)
			}
		}
	}
	if checked == 0 {
		t.Fatal("no web packages found")
	}
}
