package x12

import (
	"bytes"
	"strings"
	"testing"
	"time"
)

func TestClean(t *testing.T) {
	w := &writer{d: DefaultDelimiters}
	for in, want := range map[string]string{
		"ACME CLINIC":          "ACME CLINIC",
		"  Acme  Clinic ":      "Acme Clinic",
		"Smith*Jones~Ltd":      "Smith Jones Ltd",
		"A:B^C":                "A B C",
		"Line1\r\nLine2\tEnd":  "Line1 Line2 End",
		"José Núñez-Åström":    "Jose Nunez-Astrom",
		"Zoë ☃ Ødegård":        "Zoe degard", // Ø has no decomposition; the snowman goes
		"\x00\x7f":             "",
		"":                     "",
		"O'BRIEN & SONS, INC.": "O'BRIEN & SONS, INC.",
	} {
		if got := string(w.clean(nil, in)); got != want {
			t.Errorf("clean(%q) = %q, want %q", in, got, want)
		}
	}
	odd := &writer{d: Delimiters{Element: '|', Repetition: '!', Component: '>', Segment: '\n'}}
	if got := string(odd.clean(nil, "A|B!C>D\nE*F^G:H")); got != "A B C D E*F^G:H" {
		t.Errorf("odd delimiters: %q", got)
	}
}

func TestEnvelopeISA(t *testing.T) {
	var buf bytes.Buffer
	env := testEnvelope()
	env.SenderQualifier, env.SenderID = "30", "741234567"
	env.AckRequested, env.Usage = true, "P"
	if err := Write999(&buf, env, []Ack999{{GroupID: "HC", GroupControl: "1", Status: "A"}}); err != nil {
		t.Fatal(err)
	}
	isa, _, _ := strings.Cut(buf.String(), "~")
	want := "ISA*00*          *00*          *30*741234567      *ZZ*CLEARHOUSE     *260302*1405*^*00501*000001201*1*P*:"
	if isa != want || len(isa)+1 != isaLength {
		t.Errorf("ISA\n%s\nwant\n%s", isa, want)
	}
	if !strings.HasSuffix(buf.String(), "~GE*1*1201~IEA*1*000001201~") {
		t.Errorf("trailer: %s", buf.String())
	}
	for name, mod := range map[string]func(*Envelope){
		"long sender":     func(e *Envelope) { e.SenderID = "ABCDEFGHIJKLMNOP" },
		"no receiver":     func(e *Envelope) { e.ReceiverID = "" },
		"delimiter in ID": func(e *Envelope) { e.SenderID = "A*B" },
		"zero control":    func(e *Envelope) { e.GroupControl = 0 },
		"no time":         func(e *Envelope) { e.Time = time.Time{} },
		"bad usage":       func(e *Envelope) { e.Usage = "X" },
		"no repetition":   func(e *Envelope) { e.Delimiters = Delimiters{Element: '*', Component: ':', Segment: '~'} },
		"colliding": func(e *Envelope) {
			e.Delimiters = Delimiters{Element: '*', Repetition: '*', Component: ':', Segment: '~'}
		},
		"lf twice": func(e *Envelope) { e.Delimiters = Delimiters{'*', '^', ':', '\n'}; e.Newline = true },
	} {
		e := testEnvelope()
		mod(&e)
		if err := Write999(&bytes.Buffer{}, e, []Ack999{{GroupID: "HC", GroupControl: "1", Status: "A"}}); err == nil {
			t.Errorf("%s: envelope accepted", name)
		}
	}
}
