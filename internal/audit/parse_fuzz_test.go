package audit

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"
	"time"
)

// FuzzParseTime checks the fast RFC 3339 reader against time.Parse: the
// same inputs accepted, the same instant.
func FuzzParseTime(f *testing.F) {
	for _, s := range []string{"2025-03-04T08:15:00-05:00", "2025-03-04T13:15:00Z", "2025-03-04T13:15:00.123456789Z",
		"2024-02-29T23:59:59+14:00", "2023-02-29T00:00:00Z", "2025-03-04T08:15:00", "2025-03-04 08:15:00Z",
		"2025-03-04T8:15:00Z", "0000-01-01T00:00:00Z", "9999-12-31T23:59:59-23:59", "2025-03-04T08:15:00.Z",
		"2025-03-04T08:15:00.1234567891Z", "2025-03-04T08:15:60Z", "2025-03-04T24:00:00Z", "2025-13-04T08:15:00Z",
		"2025-03-04T08:15:00+0500", "2025-03-04T08:15:00z", "2025-03-04t08:15:00Z", "2025-03-04T08:15:00+24:00"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		want, werr := time.Parse(time.RFC3339, s)
		sec, nsec, ok := parseTime([]byte(s))
		if ok != (werr == nil) {
			t.Fatalf("parseTime(%q) ok=%v, time.Parse error %v", s, ok, werr)
		}
		if ok && (sec != want.Unix() || int(nsec) != want.Nanosecond()) {
			t.Fatalf("parseTime(%q) = %d.%09d, time.Parse = %d.%09d", s, sec, nsec, want.Unix(), want.Nanosecond())
		}
		if fs, fn, fok := parseTimeFast([]byte(s)); fok && (werr != nil || fs != want.Unix() || int(fn) != want.Nanosecond()) {
			t.Fatalf("parseTimeFast(%q) = %d.%09d accepted; time.Parse gives %v %v", s, fs, fn, want, werr)
		}
	})
}

// FuzzCSVScanner checks the lean CSV scanner against encoding/csv: the
// same records up to the first error, and an error where it has one.
func FuzzCSVScanner(f *testing.F) {
	for _, s := range []string{"a,b,c\n1,2,3\n", "a,\"b,c\",d\r\n", "\"multi\nline\",x\n", "x,\"q\"\"uote\"\n",
		"bare\"quote,1\n", "\"unterminated,1\n", "\"x\"y,1\n", "\n\n\r\na,b\n\n", "last,no,newline", "cr\r", "a\rb,c\n",
		"\xEF\xBB\xBFtime,user_id\n", ",,\n", "\"\"\n", "\"a\r\nb\"\r\n", "a,\"b\"\n\"c\"", "\"\r"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		std := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(data, []byte("\xEF\xBB\xBF"))))
		std.FieldsPerRecord = -1
		sc := newCSVScanner(bytes.NewReader(data), 16) // a small buffer exercises refills
		for i := 0; ; i++ {
			want, werr := std.Read()
			_, got, gerr := sc.next()
			if errors.Is(werr, io.EOF) || errors.Is(gerr, io.EOF) {
				if !errors.Is(werr, io.EOF) || !errors.Is(gerr, io.EOF) {
					t.Fatalf("record %d: encoding/csv %q %v, scanner %q %v", i, want, werr, got, gerr)
				}
				return
			}
			if (werr == nil) != (gerr == nil) {
				t.Fatalf("record %d: encoding/csv error %v, scanner error %v", i, werr, gerr)
			}
			if werr != nil {
				return // both stop at the same malformed record
			}
			if len(want) != len(got) {
				t.Fatalf("record %d: encoding/csv %q, scanner %q", i, want, got)
			}
			for j := range want {
				if want[j] != string(got[j]) {
					t.Fatalf("record %d field %d: encoding/csv %q, scanner %q", i, j, want[j], got[j])
				}
			}
		}
	})
}

func TestCSVScannerLines(t *testing.T) {
	in := "h1,h2\n\na,b\n\"x\ny\",z\nlast,1"
	sc := newCSVScanner(strings.NewReader(in), 8)
	var lines []int
	for {
		line, _, err := sc.next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		lines = append(lines, line)
	}
	if want := []int{1, 3, 4, 6}; !equalInts(lines, want) {
		t.Errorf("record start lines %v, want %v", lines, want)
	}
}

func equalInts(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// benchLines is an access log of realistic rows, for the reader benchmarks.
func benchLines(n int) []byte {
	var b bytes.Buffer
	b.WriteString("time,user_id,patient_id,action,workstation,ip\n")
	for i := range n {
		fmt.Fprintf(&b, "2025-03-%02dT%02d:%02d:%02d-05:00,U%04d,P%06d,view,WS-MED-%02d,10.3.0.%d\n",
			1+i%28, i%24, i%60, (i*7)%60, i%555, (i*7919)%40000, i%30, 10+i%200)
	}
	return b.Bytes()
}

// BenchmarkCSVScanner and BenchmarkEncodingCSV read the same rows: the
// lean scanner against the standard library.
func BenchmarkCSVScanner(b *testing.B) {
	data := benchLines(100000)
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		sc := newCSVScanner(bytes.NewReader(data), csvBufferSize)
		for {
			if _, _, err := sc.next(); err != nil {
				break
			}
		}
	}
	b.ReportMetric(float64(100000*b.N)/b.Elapsed().Seconds(), "rows/s")
}

func BenchmarkEncodingCSV(b *testing.B) {
	data := benchLines(100000)
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		r := csv.NewReader(bytes.NewReader(data))
		r.ReuseRecord = true
		for {
			if _, err := r.Read(); err != nil {
				break
			}
		}
	}
	b.ReportMetric(float64(100000*b.N)/b.Elapsed().Seconds(), "rows/s")
}

// BenchmarkParseTime and BenchmarkTimeParse read the same times.
func BenchmarkParseTime(b *testing.B) {
	s := []byte("2025-03-04T08:15:22-05:00")
	for b.Loop() {
		parseTime(s)
	}
}

func BenchmarkTimeParse(b *testing.B) {
	s := "2025-03-04T08:15:22-05:00"
	for b.Loop() {
		_, _ = time.Parse(time.RFC3339, s)
	}
}
