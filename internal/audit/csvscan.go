package audit

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
)

// csvScanner reads comma-separated UTF-8 records the way encoding/csv does
// (RFC 4180 quoting, \r\n read as \n, blank lines skipped, a bare quote in
// an unquoted field or text after a closing quote an error) at several
// times its speed: a record without quotes is split in place, with no
// copying and no allocation, and only quoted records take the slow path.
// The fields it returns alias its buffer until the next call.
type csvScanner struct {
	r        io.Reader
	buf      []byte
	pos, end int
	eof      bool
	rerr     error
	line     int // physical lines consumed so far
	fields   [][]byte
	record   []byte // quoted records are unescaped into here
	bounds   []int
	started  bool
	maxBytes int
}

// maxRecordBytes bounds one record, so a file without line breaks cannot
// exhaust memory.
const maxRecordBytes = 1 << 20

// errRecordTooLong reports a record over maxRecordBytes.
var errRecordTooLong = fmt.Errorf("the row is longer than %d bytes", maxRecordBytes)

// csvBufferSize is the scanner's initial buffer; it grows for longer records.
const csvBufferSize = 256 << 10

func newCSVScanner(r io.Reader, bufSize int) *csvScanner {
	return &csvScanner{r: r, buf: make([]byte, bufSize), maxBytes: maxRecordBytes}
}

// fill reads more input, keeping buf[pos:end]. It grows the buffer when
// the unread part fills it, up to maxBytes.
func (s *csvScanner) fill() bool {
	if s.eof {
		return false
	}
	if s.pos > 0 {
		n := copy(s.buf, s.buf[s.pos:s.end])
		s.pos, s.end = 0, n
	}
	if s.end == len(s.buf) {
		if len(s.buf) >= s.maxBytes+1 {
			return false
		}
		nb := make([]byte, min(2*len(s.buf), s.maxBytes+1))
		copy(nb, s.buf[:s.end])
		s.buf = nb
	}
	for {
		n, err := s.r.Read(s.buf[s.end:])
		s.end += n
		if err != nil {
			s.eof = true
			if !errors.Is(err, io.EOF) {
				s.rerr = err
			}
			return n > 0
		}
		if n > 0 {
			return true
		}
	}
}

// readLine returns the next physical line normalised as encoding/csv does:
// a trailing \r\n becomes \n, and a \r before the end of input is dropped.
// It returns io.EOF when the input is done.
func (s *csvScanner) readLine() ([]byte, error) {
	if !s.started {
		s.started = true
		for s.end-s.pos < 3 && s.fill() {
		}
		if bytes.HasPrefix(s.buf[s.pos:s.end], []byte("\xEF\xBB\xBF")) {
			s.pos += 3
		}
	}
	for {
		if i := bytes.IndexByte(s.buf[s.pos:s.end], '\n'); i >= 0 {
			line := s.buf[s.pos : s.pos+i+1]
			s.pos += i + 1
			s.line++
			if n := len(line); n >= 2 && line[n-2] == '\r' {
				line[n-2] = '\n'
				line = line[:n-1]
			}
			return line, nil
		}
		if s.end-s.pos > s.maxBytes {
			s.skipLine()
			return nil, errRecordTooLong
		}
		if !s.fill() {
			break
		}
	}
	if s.rerr != nil {
		return nil, s.rerr
	}
	if s.pos == s.end {
		return nil, io.EOF
	}
	line := s.buf[s.pos:s.end]
	s.pos = s.end
	s.line++
	if line[len(line)-1] == '\r' {
		line = line[:len(line)-1]
	}
	return line, nil
}

// skipLine discards input up to and including the next line break.
func (s *csvScanner) skipLine() {
	for {
		if i := bytes.IndexByte(s.buf[s.pos:s.end], '\n'); i >= 0 {
			s.pos += i + 1
			s.line++
			return
		}
		s.pos = s.end
		if !s.fill() {
			s.line++
			return
		}
	}
}

// lengthNL is 1 when b ends in a line break.
func lengthNL(b []byte) int {
	if len(b) > 0 && b[len(b)-1] == '\n' {
		return 1
	}
	return 0
}

// next returns the next record and the line it starts on, or io.EOF. A
// malformed record returns a *csv.ParseError (its line is consumed and
// reading may go on); the fields are valid until the following call.
func (s *csvScanner) next() (int, [][]byte, error) {
	var line []byte
	for {
		l, err := s.readLine()
		if err != nil {
			if errors.Is(err, errRecordTooLong) {
				return s.line, nil, err
			}
			return 0, nil, err
		}
		if len(l) != lengthNL(l) {
			line = l
			break
		}
	}
	start := s.line
	if bytes.IndexByte(line, '"') < 0 {
		line = line[:len(line)-lengthNL(line)]
		s.fields = s.fields[:0]
		for {
			i := bytes.IndexByte(line, ',')
			if i < 0 {
				s.fields = append(s.fields, line)
				return start, s.fields, nil
			}
			s.fields = append(s.fields, line[:i])
			line = line[i+1:]
		}
	}
	err := s.quoted(line, start)
	s.fields = s.fields[:0]
	prev := 0
	for _, b := range s.bounds {
		s.fields = append(s.fields, s.record[prev:b])
		prev = b
	}
	return start, s.fields, err
}

// quoted parses a record that holds a quote, as encoding/csv's readRecord
// does, copying the fields into s.record and their ends into s.bounds.
func (s *csvScanner) quoted(line []byte, start int) error {
	s.record, s.bounds = s.record[:0], s.bounds[:0]
	col := 1
	for {
		if len(line) == 0 || line[0] != '"' {
			i := bytes.IndexByte(line, ',')
			field := line
			if i >= 0 {
				field = field[:i]
			} else {
				field = field[:len(field)-lengthNL(field)]
			}
			if j := bytes.IndexByte(field, '"'); j >= 0 {
				return &csv.ParseError{StartLine: start, Line: s.line, Column: col + j, Err: csv.ErrBareQuote}
			}
			s.record = append(s.record, field...)
			s.bounds = append(s.bounds, len(s.record))
			if i < 0 {
				return nil
			}
			line = line[i+1:]
			col += i + 1
			continue
		}
		line = line[1:]
		col++
		for {
			i := bytes.IndexByte(line, '"')
			switch {
			case i >= 0:
				s.record = append(s.record, line[:i]...)
				line = line[i+1:]
				col += i + 1
				switch {
				case len(line) > 0 && line[0] == '"':
					s.record = append(s.record, '"')
					line = line[1:]
					col++
					continue
				case len(line) > 0 && line[0] == ',':
					line = line[1:]
					col++
					s.bounds = append(s.bounds, len(s.record))
				case lengthNL(line) == len(line):
					s.bounds = append(s.bounds, len(s.record))
					return nil
				default:
					return &csv.ParseError{StartLine: start, Line: s.line, Column: col - 1, Err: csv.ErrQuote}
				}
			case len(line) > 0:
				s.record = append(s.record, line...)
				if len(s.record) > s.maxBytes {
					return errRecordTooLong
				}
				l, err := s.readLine()
				if errors.Is(err, io.EOF) {
					return &csv.ParseError{StartLine: start, Line: s.line, Column: col, Err: csv.ErrQuote}
				}
				if err != nil {
					return err
				}
				line = l
				col = 1
				continue
			default:
				return &csv.ParseError{StartLine: start, Line: s.line, Column: col, Err: csv.ErrQuote}
			}
			break
		}
	}
}
