// Package refdata loads the reference data the claim scrubber checks
// against: ICD-10-CM by fiscal year, HCPCS Level II, Place of Service,
// modifiers, NUCC taxonomy, NCCI procedure-to-procedure edits, Medically
// Unlikely Edits, NCCI add-on code edits, Medicare Code Editor age/sex
// lists, the procedure and Excludes1 rule packs and the payer directory.
//
// Load reads a directory laid out like the public distributions, so staff
// can drop the quarterly files in; every table whose files are missing
// falls back to a small starter set embedded in the binary (see
// starter/SOURCES.md), and Sources says which is which; Currency says
// which dated code sets cover a given day. Tables are immutable once
// loaded and safe for concurrent use.
package refdata

import (
	"embed"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/rcmbot/rcmbot/internal/payers"
)

// Data is one loaded set of reference tables.
type Data struct {
	ICD10     *ICD10
	HCPCS     *HCPCS
	POS       *POS
	Modifiers *Modifiers
	Taxonomy  *Taxonomy
	PTP       *PTP
	MUE       *MUE
	AOC       *AOC
	// ProcEdits is the procedure rule pack (age, sex, place of service,
	// combination codes, drug codes needing an NDC).
	ProcEdits *ProcEdits
	// Excludes1 holds the ICD-10-CM Excludes1 pairs.
	Excludes1 *Excludes1
	// Proc gathers MUE, HCPCS, AOC and rule-pack data per procedure code.
	Proc    *ProcIndex
	Payers  *payers.Directory
	sources []Source
}

// Source says where one table came from.
type Source struct {
	Table   string   // icd10cm, mce, hcpcs, pos, modifiers, taxonomy, ncci_ptp, mue, payers
	Files   []string // files read; empty when Starter
	Starter bool     // the embedded starter set was used
	Rows    int      // rows (codes, edits) loaded
	Detail  string   // e.g. the fiscal years loaded
	// Vintage is the period the files are current for, when their names
	// (or, for HCPCS, their dates) tell it; see Currency.
	Vintage Vintage
}

// String formats s for `rcmbot refdata`: "icd10cm  196,372 rows  files: a, b (FY2024, FY2026)".
func (s Source) String() string {
	from := "embedded starter set"
	if !s.Starter {
		from = strings.Join(s.Files, ", ")
	}
	out := fmt.Sprintf("%-15s %9s rows  %s", s.Table, groupDigits(s.Rows), from)
	var notes []string
	if s.Vintage.Label != "" && !s.Starter {
		notes = append(notes, s.Vintage.Label)
	}
	if s.Detail != "" {
		notes = append(notes, s.Detail)
	}
	if len(notes) > 0 {
		out += " (" + strings.Join(notes, "; ") + ")"
	}
	return out
}

// Sources lists where each table came from, in a fixed order.
func (d *Data) Sources() []Source { return append([]Source(nil), d.sources...) }

//go:embed starter/*.csv
var starterFS embed.FS

// Starter returns the embedded starter set (and the embedded payer directory).
func Starter() (*Data, error) { return Load("") }

// Load reads the reference tables from dir, using the starter set for
// every table without files there; dir "" means the starter set only. A
// dir that does not exist is an error (a mistyped --refdata must not
// silently fall back). Errors name the file and line.
func Load(dir string) (*Data, error) {
	if dir != "" {
		st, err := os.Stat(dir)
		if err != nil {
			return nil, fmt.Errorf("reference data directory: %w", err)
		}
		if !st.IsDir() {
			return nil, fmt.Errorf("reference data directory %s is not a directory", dir)
		}
	}
	d := &Data{
		ICD10:     newICD10(),
		HCPCS:     &HCPCS{codes: make(map[CodeKey]HCPCSCode)},
		POS:       &POS{},
		Modifiers: newModifiers(),
		Taxonomy:  &Taxonomy{codes: make(map[string]struct{})},
		MUE:       &MUE{codes: make(map[CodeKey]MUEEdit)},
		AOC:       newAOC(),
		ProcEdits: newProcEdits(),
		Excludes1: newExcludes1(),
	}
	if err := d.loadICD(dir); err != nil {
		return nil, err
	}
	type spec struct {
		name     string
		patterns []string
		required [][]string
		load     func(*table) (int, error)
		complete func()
		vintage  func(files []string) (Vintage, bool)
	}
	specs := []spec{
		{"mce", []string{"mce*.csv"}, [][]string{{"icd_code", "code"}, {"icd_conflict_rule", "rule"}}, d.ICD10.loadMCE, nil, fiscalYearFromFiles},
		{"hcpcs", []string{"hcpcs*.csv", "hcpcs*.txt", "hcpc*.csv", "hcpc*.txt"}, [][]string{{"hcpcs_code", "hcpc", "hcpcs", "code"}}, d.HCPCS.load, func() { d.HCPCS.complete = true }, d.HCPCS.vintage},
		{"pos", []string{"pos*.csv"}, [][]string{{"pos_code", "code", "place of service code", "pos"}}, d.POS.load, nil, nil},
		{"modifiers", []string{"modifiers*.csv", "modifier*.csv"}, [][]string{{"modifier", "code", "mod"}}, d.Modifiers.load, func() { d.Modifiers.complete = true }, nil},
		{"taxonomy", []string{"taxonomy*.csv", "nucc*.csv"}, [][]string{{"code", "taxonomy code", "taxonomy", "provider taxonomy code"}}, d.Taxonomy.load, func() { d.Taxonomy.complete = true }, nil},
		{"ncci_ptp", []string{"ncci_ptp*.csv", "ncci_ptp*.csv.gz", "ncci_ptp*.txt", "ncci_ptp*.txt.gz", "ncci_ptp*.xlsx"}, ptpColumns, nil, nil, quarterOfFiles},
		{"mue", []string{"mue*.csv", "mue*.xlsx", "mue*.csv.gz", "mue*.txt"}, mueColumns, d.MUE.load, nil, quarterOfFiles},
		{"aoc", []string{"aoc*.csv", "aoc*.xlsx", "aoc*.txt", "*add_on_code*.csv", "*add-on*.xlsx"}, aocColumns, d.AOC.load, nil, quarterOfFiles},
		{"procedure_edits", []string{"procedure_edits*.csv"}, procEditColumns, d.ProcEdits.load, nil, nil},
		{"excludes1", []string{"excludes1*.csv"}, excludes1Columns[:3], d.Excludes1.load, nil, nil},
	}
	for _, s := range specs {
		var files []string
		if dir != "" {
			var err error
			if files, err = glob(dir, s.patterns...); err != nil {
				return nil, fmt.Errorf("list %s files: %w", s.name, err)
			}
			files = withoutSamples(files)
		}
		load := s.load
		if s.name == "ncci_ptp" {
			d.PTP = newPTP(ptpSizeHint(files))
			load = d.PTP.load
		}
		src := Source{Table: s.name, Files: files, Starter: len(files) == 0}
		if src.Starter {
			n, err := loadStarter(s.name, s.required, load)
			if err != nil {
				return nil, err
			}
			src.Rows = n
		} else {
			for _, f := range files {
				n, err := loadFile(f, s.required, load)
				if err != nil {
					return nil, err
				}
				src.Rows += n
			}
			if s.complete != nil {
				s.complete()
			}
			if s.vintage != nil {
				src.Vintage, _ = s.vintage(files)
			}
		}
		d.sources = append(d.sources, src)
	}
	d.ICD10.finish()
	if err := d.PTP.finish(); err != nil {
		return nil, fmt.Errorf("NCCI PTP: %w", err)
	}
	if err := d.AOC.finish(); err != nil {
		return nil, fmt.Errorf("NCCI add-on code edits: %w", err)
	}
	d.Proc = buildProcIndex(d.MUE, d.HCPCS, d.AOC, d.ProcEdits)
	var err error
	if dir == "" {
		d.Payers = payers.Starter()
	} else if d.Payers, err = payers.Load(dir); err != nil {
		return nil, err
	}
	ps := Source{Table: "payers", Starter: d.Payers.Source == "embedded", Rows: len(d.Payers.Payers)}
	if !ps.Starter {
		ps.Files = []string{d.Payers.Source}
	}
	if files, _ := filepath.Glob(filepath.Join(dir, "rules", "*.yaml")); dir != "" && len(files) > 0 {
		ps.Detail = fmt.Sprintf("plus %d rule files", len(files))
	}
	d.sources = append(d.sources, ps)
	return d, nil
}

// withoutSamples drops "*_sample.*" files (a cut of a full table shipped
// beside it) when the full table is present too.
func withoutSamples(files []string) []string {
	if len(files) < 2 {
		return files
	}
	out := files[:0:0]
	for _, f := range files {
		if !strings.Contains(strings.ToLower(filepath.Base(f)), "_sample") {
			out = append(out, f)
		}
	}
	if len(out) == 0 {
		return files
	}
	return out
}

// ptpSizeHint guesses the row count from the file sizes (about 65 bytes a
// row uncompressed, 3.2 gzip-compressed), so the index is allocated once.
func ptpSizeHint(files []string) int {
	n := 0
	for _, f := range files {
		if st, err := os.Stat(f); err == nil {
			per := int64(65)
			if strings.HasSuffix(strings.ToLower(f), ".gz") {
				per = 3
			}
			n += int(st.Size() / per)
		}
	}
	return n
}

func loadFile(path string, required [][]string, load func(*table) (int, error)) (int, error) {
	tb, err := openTable(path, required...)
	if err != nil {
		return 0, err
	}
	n, err := load(tb)
	if cerr := tb.close(); err == nil && cerr != nil {
		err = fmt.Errorf("%s: %w", path, cerr)
	}
	return n, err
}

func loadStarter(name string, required [][]string, load func(*table) (int, error)) (int, error) {
	b, err := starterFS.ReadFile("starter/" + name + ".csv")
	if err != nil {
		return 0, fmt.Errorf("embedded starter %s: %w", name, err)
	}
	tb, err := newTextTable("embedded starter/"+name+".csv", b, required...)
	if err != nil {
		return 0, err
	}
	return load(tb)
}

func (d *Data) loadICD(dir string) error {
	var files []string
	if dir != "" {
		var err error
		if files, err = glob(dir, "icd10cm_order*.txt", "icd10cm-order*.txt"); err != nil {
			return fmt.Errorf("list ICD-10-CM order files: %w", err)
		}
	}
	src := Source{Table: "icd10cm", Files: files, Starter: len(files) == 0}
	if src.Starter {
		n, err := loadStarter("icd10cm", [][]string{{"code"}, {"billable"}}, d.ICD10.loadStarter)
		if err != nil {
			return err
		}
		src.Rows = n
		src.Detail = "any fiscal year"
	} else {
		for _, f := range files {
			n, err := d.ICD10.loadOrderFile(f)
			if err != nil {
				return err
			}
			src.Rows += n
		}
		d.ICD10.complete = true
		var ys []string
		for _, y := range d.ICD10.Years() {
			ys = append(ys, "FY"+strconv.Itoa(y))
		}
		src.Detail = strings.Join(ys, ", ")
	}
	d.sources = append(d.sources, src)
	return nil
}

// loadStarter reads the starter ICD-10-CM list (code, billable 0/1,
// description); its codes count for every fiscal year.
func (t *ICD10) loadStarter(tb *table) (int, error) {
	cc, cb := tb.col("code"), tb.col("billable")
	t.years = ^uint64(0)
	return tb.each(func() (bool, error) {
		code := []byte(strings.ReplaceAll(tb.field(cc), ".", ""))
		if !validICDShape(code) {
			return false, tb.errorf("code %q is not an ICD-10-CM code", tb.field(cc))
		}
		flag := tb.field(cb)
		if flag != "0" && flag != "1" {
			return false, tb.errorf("billable %q is not 0 or 1", flag)
		}
		t.add(code, ^uint64(0), flag == "1")
		return true, nil
	})
}

func groupDigits(n int) string {
	s := strconv.Itoa(n)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}
