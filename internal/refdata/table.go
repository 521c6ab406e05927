package refdata

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/xuri/excelize/v2"
)

// headerSearchRows is how many leading rows may precede the header row. CMS
// spreadsheets open with copyright and title lines before it.
const headerSearchRows = 30

// table reads rows of a CSV, tab- or pipe-delimited text, gzip-compressed
// text or xlsx file whose header row is found by column names, so column
// order and preamble lines do not matter.
type table struct {
	name string         // file name for errors
	cols map[string]int // normalised header name → column index
	rec  []string       // current record
	line int            // line (or row) number of rec, 1-based
	next func() ([]string, int, error)
	done func() error
}

// openTable opens path and finds the header row: the first of the leading
// rows that holds every column in required (each a list of synonyms).
func openTable(path string, required ...[]string) (*table, error) {
	t := &table{name: path}
	lower := strings.ToLower(path)
	var err error
	if strings.HasSuffix(lower, ".xlsx") {
		err = t.openXLSX(path)
	} else {
		err = t.openText(path, strings.HasSuffix(lower, ".gz"))
	}
	if err != nil {
		return nil, err
	}
	if err := t.findHeader(required); err != nil {
		t.close()
		return nil, err
	}
	return t, nil
}

// newTextTable reads an in-memory CSV (the embedded starter tables).
func newTextTable(name string, b []byte, required ...[]string) (*table, error) {
	t := &table{name: name, done: func() error { return nil }}
	t.useCSV(bytes.NewReader(b), ',')
	if err := t.findHeader(required); err != nil {
		return nil, err
	}
	return t, nil
}

func (t *table) openText(path string, gz bool) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	var r io.Reader = bufio.NewReaderSize(f, 1<<16)
	t.done = f.Close
	if gz {
		zr, err := gzip.NewReader(r)
		if err != nil {
			f.Close()
			return fmt.Errorf("%s: %w", path, err)
		}
		r = bufio.NewReaderSize(zr, 1<<16)
	}
	br := r.(*bufio.Reader)
	// Sniff the delimiter from the first few kilobytes (preamble lines included).
	first, _ := br.Peek(4096)
	delim := ','
	switch {
	case bytes.IndexByte(first, '\t') >= 0:
		delim = '\t'
	case bytes.IndexByte(first, '|') >= 0 && bytes.IndexByte(first, ',') < 0:
		delim = '|'
	}
	t.useCSV(br, delim)
	return nil
}

func (t *table) useCSV(r io.Reader, delim rune) {
	cr := csv.NewReader(r)
	cr.Comma = delim
	cr.FieldsPerRecord = -1
	cr.LazyQuotes = true
	cr.ReuseRecord = true
	t.next = func() ([]string, int, error) {
		rec, err := cr.Read()
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				return nil, pe.StartLine, pe.Err
			}
			return nil, 0, err
		}
		line, _ := cr.FieldPos(0)
		return rec, line, nil
	}
}

func (t *table) openXLSX(path string) error {
	f, err := excelize.OpenFile(path)
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	sheets := f.GetSheetList()
	if len(sheets) == 0 {
		f.Close()
		return fmt.Errorf("%s: workbook has no sheets", path)
	}
	rows, err := f.Rows(sheets[0])
	if err != nil {
		f.Close()
		return fmt.Errorf("%s: %w", path, err)
	}
	t.done = func() error { rows.Close(); return f.Close() }
	n := 0
	t.next = func() ([]string, int, error) {
		if !rows.Next() {
			if err := rows.Error(); err != nil {
				return nil, n, err
			}
			return nil, n, io.EOF
		}
		n++
		rec, err := rows.Columns()
		return rec, n, err
	}
	return nil
}

func (t *table) findHeader(required [][]string) error {
	for i := 0; i < headerSearchRows; i++ {
		rec, line, err := t.next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return fmt.Errorf("%s:%d: %w", t.name, line, err)
		}
		cols := make(map[string]int, len(rec))
		for j, h := range rec {
			if k := normHeader(h); k != "" {
				if _, dup := cols[k]; !dup {
					cols[k] = j
				}
			}
		}
		t.cols = cols
		if t.has(required) {
			return nil
		}
	}
	names := make([]string, len(required))
	for i, r := range required {
		names[i] = fmt.Sprintf("%q", r[0])
	}
	return fmt.Errorf("%s: no header row with the columns %s in the first %d rows", t.name, strings.Join(names, ", "), headerSearchRows)
}

func (t *table) has(required [][]string) bool {
	for _, syn := range required {
		if t.col(syn...) < 0 {
			return false
		}
	}
	return true
}

// col returns the index of the first header among names, or -1.
func (t *table) col(names ...string) int {
	for _, n := range names {
		if i, ok := t.cols[normHeader(n)]; ok {
			return i
		}
	}
	return -1
}

// read advances to the next non-blank record; it returns false at the end
// of the file or on a read error (returned by the caller through err).
func (t *table) read() (bool, error) {
	for {
		rec, line, err := t.next()
		if err == io.EOF {
			return false, nil
		}
		if err != nil {
			return false, fmt.Errorf("%s:%d: %w", t.name, line, err)
		}
		t.rec, t.line = rec, line
		if !blankRecord(rec) {
			return true, nil
		}
	}
}

// field returns column i of the current record, trimmed ("" when absent).
func (t *table) field(i int) string {
	if i < 0 || i >= len(t.rec) {
		return ""
	}
	return strings.TrimSpace(t.rec[i])
}

// errorf formats an error naming the file and the current line.
func (t *table) errorf(format string, args ...any) error {
	return fmt.Errorf("%s:%d: %s", t.name, t.line, fmt.Sprintf(format, args...))
}

func (t *table) close() error {
	if t.done == nil {
		return nil
	}
	return t.done()
}

func blankRecord(rec []string) bool {
	for _, f := range rec {
		if strings.TrimSpace(f) != "" {
			return false
		}
	}
	return true
}

// normHeader reduces a header cell to lower-case letters and digits, so
// "HCPCS/CPT Code", "hcpcs_cpt_code" and " HCPCS CPT code " are one name.
func normHeader(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9':
			b.WriteRune(r)
		case r >= 'A' && r <= 'Z':
			b.WriteRune(r + ('a' - 'A'))
		}
	}
	return b.String()
}

// glob lists the files in dir, and in its direct subdirectories other than
// rules, whose lower-cased names match one of the patterns, sorted by path.
// The subdirectories (or links to directories) let a distribution's own
// layout (icd10cm/, ncci/, …) be used as it is.
func glob(dir string, patterns ...string) ([]string, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, e := range entries {
		isDir := e.IsDir()
		if e.Type()&fs.ModeSymlink != 0 {
			if st, err := os.Stat(filepath.Join(dir, e.Name())); err == nil && st.IsDir() {
				isDir = true
			}
		}
		if isDir {
			if e.Name() == "rules" || strings.HasPrefix(e.Name(), ".") {
				continue
			}
			sub, err := os.ReadDir(filepath.Join(dir, e.Name()))
			if err != nil {
				return nil, err
			}
			for _, s := range sub {
				if !s.IsDir() && matchAny(s.Name(), patterns) {
					out = append(out, filepath.Join(dir, e.Name(), s.Name()))
				}
			}
			continue
		}
		if matchAny(e.Name(), patterns) {
			out = append(out, filepath.Join(dir, e.Name()))
		}
	}
	sort.Strings(out)
	return out, nil
}

func matchAny(name string, patterns []string) bool {
	name = strings.ToLower(name)
	for _, p := range patterns {
		if ok, _ := filepath.Match(p, name); ok {
			return true
		}
	}
	return false
}

// each calls fn for every remaining row and returns how many rows fn
// counted (returned true for), or the first error.
func (tb *table) each(fn func() (bool, error)) (int, error) {
	n := 0
	for {
		ok, err := tb.read()
		if err != nil {
			return 0, err
		}
		if !ok {
			return n, nil
		}
		counted, err := fn()
		if err != nil {
			return 0, err
		}
		if counted {
			n++
		}
	}
}
