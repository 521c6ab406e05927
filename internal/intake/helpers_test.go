package intake

import (
	"encoding/binary"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf16"

	"github.com/xuri/excelize/v2"

	"github.com/rcmbot/rcmbot/internal/claim"
)

// asOf is the date tests resolve two-digit years against.
var asOf = claim.MustDate("2026-03-15")

func opts() Options { return Options{AsOf: asOf} }

// sheet is a worksheet to write: its name and rows of cell values
// (strings, numbers, time.Time — written as excelize writes them).
type sheet struct {
	name string
	rows [][]any
}

// writeXLSX writes the sheets to a new workbook in dir and returns its path.
func writeXLSX(t testing.TB, sheets ...sheet) string {
	t.Helper()
	f := excelize.NewFile()
	defer f.Close()
	for i, s := range sheets {
		if i == 0 {
			if err := f.SetSheetName("Sheet1", s.name); err != nil {
				t.Fatal(err)
			}
		} else if _, err := f.NewSheet(s.name); err != nil {
			t.Fatal(err)
		}
		for r, row := range s.rows {
			cell, _ := excelize.CoordinatesToCellName(1, r+1)
			if err := f.SetSheetRow(s.name, cell, &row); err != nil {
				t.Fatal(err)
			}
		}
	}
	path := filepath.Join(t.TempDir(), "claims.xlsx")
	if err := f.SaveAs(path); err != nil {
		t.Fatal(err)
	}
	return path
}

// writeFile writes raw bytes to a file named name in a temp dir.
func writeFile(t testing.TB, name string, b []byte) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// csvText joins rows of cells with sep, one line each.
func csvText(sep string, rows ...[]string) string {
	var b strings.Builder
	for _, r := range rows {
		b.WriteString(strings.Join(r, sep))
		b.WriteString("\r\n")
	}
	return b.String()
}

// readAll reads a file, failing the test on a file error.
func readAll(t testing.TB, path string, o Options) *Result {
	t.Helper()
	res, err := ReadFile(path, o)
	if err != nil {
		t.Fatalf("ReadFile: %v", err)
	}
	return res
}

// fileError reads a file expecting it to fail as a whole with kind.
func fileError(t testing.TB, path string, o Options, kind FileErrorKind) *FileError {
	t.Helper()
	_, err := ReadFile(path, o)
	fe, ok := err.(*FileError)
	if !ok {
		t.Fatalf("ReadFile(%s) error = %v (%T); want *FileError %s", filepath.Base(path), err, err, kind)
	}
	if fe.Kind != kind {
		t.Fatalf("ReadFile(%s) kind = %s (%v); want %s", filepath.Base(path), fe.Kind, fe, kind)
	}
	return fe
}

// minimalCFB builds an OLE compound file (MS-CFB version 3) holding one
// 4096-byte stream with the given name: enough for the reader to tell a
// legacy .xls ("Workbook") from other Office 97–2003 files.
func minimalCFB(stream string) []byte {
	const (
		sector     = 512
		endOfChain = 0xFFFFFFFE
		freeSect   = 0xFFFFFFFF
		fatSect    = 0xFFFFFFFD
		noStream   = 0xFFFFFFFF
	)
	le := binary.LittleEndian
	hdr := make([]byte, sector)
	copy(hdr, []byte{0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1})
	le.PutUint16(hdr[24:], 0x003E)
	le.PutUint16(hdr[26:], 0x0003)
	le.PutUint16(hdr[28:], 0xFFFE)
	le.PutUint16(hdr[30:], 9)
	le.PutUint16(hdr[32:], 6)
	le.PutUint32(hdr[44:], 1) // FAT sectors
	le.PutUint32(hdr[48:], 1) // directory at sector 1
	le.PutUint32(hdr[56:], 4096)
	le.PutUint32(hdr[60:], endOfChain)
	le.PutUint32(hdr[68:], endOfChain)
	le.PutUint32(hdr[76:], 0) // FAT at sector 0
	for i := 1; i < 109; i++ {
		le.PutUint32(hdr[76+4*i:], freeSect)
	}
	fat := make([]byte, sector)
	for i := 0; i < 128; i++ {
		le.PutUint32(fat[4*i:], freeSect)
	}
	le.PutUint32(fat[0:], fatSect)
	le.PutUint32(fat[4:], endOfChain)
	for s := 2; s < 9; s++ {
		le.PutUint32(fat[4*s:], uint32(s+1))
	}
	le.PutUint32(fat[4*9:], endOfChain)
	dir := make([]byte, sector)
	entry := func(i int, name string, typ byte, child, start uint32, size uint32) {
		e := dir[128*i : 128*(i+1)]
		u := utf16.Encode([]rune(name))
		for j, c := range u {
			le.PutUint16(e[2*j:], c)
		}
		le.PutUint16(e[64:], uint16(2*(len(u)+1)))
		e[66], e[67] = typ, 1
		le.PutUint32(e[68:], noStream)
		le.PutUint32(e[72:], noStream)
		le.PutUint32(e[76:], child)
		le.PutUint32(e[116:], start)
		le.PutUint32(e[120:], size)
	}
	entry(0, "Root Entry", 5, 1, endOfChain, 0)
	entry(1, stream, 2, noStream, 2, 4096)
	for i := 2; i < 4; i++ {
		e := dir[128*i:]
		le.PutUint32(e[68:], noStream)
		le.PutUint32(e[72:], noStream)
		le.PutUint32(e[76:], noStream)
	}
	out := append(hdr, fat...)
	out = append(out, dir...)
	return append(out, make([]byte, 4096)...)
}
