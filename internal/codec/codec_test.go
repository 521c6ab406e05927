package codec

import (
	"bytes"
	"compress/flate"
	"crypto/rand"
	"errors"
	"fmt"
	"strings"
	"testing"

	commonpb "go.temporal.io/api/common/v1"
	failurepb "go.temporal.io/api/failure/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/temporal"
	"google.golang.org/protobuf/proto"

	"github.com/rcmbot/rcmbot/internal/keyring"
)

// Fixture PHI: recognisable strings that must never appear in encoded form.
var phi = []string{"Margarethe", "Oyelaran-Whitfield", "1957-11-23", "W4815162342", "1428 Elm Street"}

type eligibilityRequest struct {
	PatientFirst, PatientLast string
	DOB                       string
	MemberID                  string
	Address                   string
	PayerID                   string
	Lines                     []string
}

var fixture = eligibilityRequest{
	PatientFirst: "Margarethe", PatientLast: "Oyelaran-Whitfield", DOB: "1957-11-23",
	MemberID: "W4815162342", Address: "1428 Elm Street, Springwood OH", PayerID: "60054",
	Lines: []string{"99213", "36415"},
}

func newRing(t testing.TB) *keyring.Ring {
	t.Helper()
	r, err := keyring.New()
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// assertNoPHI fails if b contains any fixture PHI string.
func assertNoPHI(t testing.TB, what string, b []byte) {
	t.Helper()
	for _, s := range phi {
		if bytes.Contains(b, []byte(s)) {
			t.Fatalf("%s contains %q", what, s)
		}
	}
}

func assertEncrypted(t testing.TB, ring *keyring.Ring, p *commonpb.Payload) {
	t.Helper()
	if got := string(p.Metadata[converter.MetadataEncoding]); got != EncodingEncrypted {
		t.Errorf("encoding %q, want %q", got, EncodingEncrypted)
	}
	if got := string(p.Metadata[MetadataKeyID]); got != ring.ActiveID() {
		t.Errorf("key ID %q, want %q", got, ring.ActiveID())
	}
	if len(p.Metadata) != 2 {
		t.Errorf("metadata has %d entries, want only encoding and key ID", len(p.Metadata))
	}
	raw, err := proto.Marshal(p)
	if err != nil {
		t.Fatal(err)
	}
	assertNoPHI(t, "encoded payload", raw)
}

func TestDataConverterRoundTrip(t *testing.T) {
	ring := newRing(t)
	dc := NewDataConverter(ring, RefusePlaintext)
	values := []any{
		fixture,
		"Margarethe Oyelaran-Whitfield",
		[]byte("raw bytes W4815162342"),
		42,
		nil,
		strings.Repeat(fixture.Address+"\n", 5000), // compressible
	}
	for i, v := range values {
		t.Run(fmt.Sprintf("%d:%T", i, v), func(t *testing.T) {
			p, err := dc.ToPayload(v)
			if err != nil {
				t.Fatal(err)
			}
			assertEncrypted(t, ring, p)
			switch want := v.(type) {
			case eligibilityRequest:
				var got eligibilityRequest
				if err := dc.FromPayload(p, &got); err != nil {
					t.Fatal(err)
				}
				if fmt.Sprint(got) != fmt.Sprint(want) {
					t.Errorf("got %+v, want %+v", got, want)
				}
			case string:
				var got string
				if err := dc.FromPayload(p, &got); err != nil || got != want {
					t.Errorf("got %.40q, %v", got, err)
				}
			case []byte:
				var got []byte
				if err := dc.FromPayload(p, &got); err != nil || !bytes.Equal(got, want) {
					t.Errorf("got %q, %v", got, err)
				}
			case int:
				var got int
				if err := dc.FromPayload(p, &got); err != nil || got != want {
					t.Errorf("got %d, %v", got, err)
				}
			case nil:
				got := "untouched"
				var ptr *string = &got
				if err := dc.FromPayload(p, &ptr); err != nil || ptr != nil {
					t.Errorf("nil decoded to %v, %v", ptr, err)
				}
			}
		})
	}
}

func TestCompressOnlyWhenItHelps(t *testing.T) {
	ring := newRing(t)
	c := New(ring, RefusePlaintext)
	random := make([]byte, 64<<10)
	rand.Read(random)
	for _, tt := range []struct {
		name       string
		data       []byte
		wantFormat byte
	}{
		{"small", []byte(`"Margarethe"`), formatRaw},
		{"repetitive", bytes.Repeat([]byte(`{"cpt":"99213","units":1},`), 2000), formatDeflate},
		{"incompressible", random, formatRaw},
	} {
		t.Run(tt.name, func(t *testing.T) {
			in := &commonpb.Payload{Metadata: map[string][]byte{"encoding": []byte("json/plain")}, Data: tt.data}
			enc, err := c.Encode([]*commonpb.Payload{in})
			if err != nil {
				t.Fatal(err)
			}
			plain, err := ring.Open(ring.ActiveID(), enc[0].Data, aad)
			if err != nil {
				t.Fatal(err)
			}
			if plain[0] != tt.wantFormat {
				t.Errorf("format byte 0x%02x, want 0x%02x", plain[0], tt.wantFormat)
			}
			raw, _ := proto.Marshal(in)
			if tt.wantFormat == formatDeflate && len(enc[0].Data) > len(raw)/10 {
				t.Errorf("repetitive payload: %d bytes encrypted from %d", len(enc[0].Data), len(raw))
			}
			if tt.wantFormat == formatRaw && len(enc[0].Data) != len(raw)+1+28 {
				t.Errorf("raw payload: %d bytes encrypted from %d, want +29", len(enc[0].Data), len(raw))
			}
			dec, err := c.Decode(enc)
			if err != nil {
				t.Fatal(err)
			}
			if !proto.Equal(dec[0], in) {
				t.Error("round trip changed the payload")
			}
		})
	}
}

func TestRotation(t *testing.T) {
	r1 := newRing(t)
	old, err := New(r1, RefusePlaintext).Encode([]*commonpb.Payload{jsonPayload(t, fixture)})
	if err != nil {
		t.Fatal(err)
	}
	r2, err := r1.Rotate()
	if err != nil {
		t.Fatal(err)
	}
	c2 := New(r2, RefusePlaintext)
	cur, err := c2.Encode([]*commonpb.Payload{jsonPayload(t, "after rotation")})
	if err != nil {
		t.Fatal(err)
	}
	if got := string(cur[0].Metadata[MetadataKeyID]); got != r2.ActiveID() || got == r1.ActiveID() {
		t.Fatalf("new payload sealed with %q, want the new active key %q", got, r2.ActiveID())
	}
	both, err := c2.Decode([]*commonpb.Payload{old[0], cur[0]})
	if err != nil {
		t.Fatalf("rotated ring decoding old and new payloads: %v", err)
	}
	if !bytes.Contains(both[0].Data, []byte("Margarethe")) || !bytes.Contains(both[1].Data, []byte("after rotation")) {
		t.Error("decoded payloads differ from the originals")
	}

	// A ring without the new key names it.
	_, err = New(r1, RefusePlaintext).Decode(cur)
	var uk *keyring.UnknownKeyError
	if !errors.As(err, &uk) || uk.ID != r2.ActiveID() {
		t.Fatalf("old ring decoding new payload: %v, want UnknownKeyError naming %s", err, r2.ActiveID())
	}
	if !strings.Contains(err.Error(), "decode payload 0") || !strings.Contains(err.Error(), r2.ActiveID()) {
		t.Errorf("error %q should name the payload and the key", err)
	}
	// Whoever sent the payload learns nothing of the decoding ring's keys.
	for _, id := range r1.IDs() {
		if strings.Contains(err.Error(), id) {
			t.Errorf("error %q names the ring's own key %s", err, id)
		}
	}
	assertNoPHI(t, "error", []byte(err.Error()))
}

func jsonPayload(t testing.TB, v any) *commonpb.Payload {
	t.Helper()
	p, err := converter.GetDefaultDataConverter().ToPayload(v)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestTamperingDetected(t *testing.T) {
	ring := newRing(t)
	other := newRing(t)
	c := New(ring, RefusePlaintext)
	enc, err := c.Encode([]*commonpb.Payload{jsonPayload(t, "unrelated"), jsonPayload(t, fixture)})
	if err != nil {
		t.Fatal(err)
	}
	clone := func() []*commonpb.Payload {
		out := make([]*commonpb.Payload, len(enc))
		for i, p := range enc {
			out[i] = proto.Clone(p).(*commonpb.Payload)
		}
		return out
	}
	tests := []struct {
		name   string
		modify func([]*commonpb.Payload)
		want   string
	}{
		{"first byte flipped", func(p []*commonpb.Payload) { p[1].Data[0] ^= 1 }, "authentication failed"},
		{"middle byte flipped", func(p []*commonpb.Payload) { p[1].Data[len(p[1].Data)/2] ^= 0x80 }, "authentication failed"},
		{"last byte flipped", func(p []*commonpb.Payload) { p[1].Data[len(p[1].Data)-1] ^= 1 }, "authentication failed"},
		{"truncated", func(p []*commonpb.Payload) { p[1].Data = p[1].Data[:len(p[1].Data)-5] }, "authentication failed"},
		{"swapped ciphertext", func(p []*commonpb.Payload) { p[1].Data = append([]byte{}, p[0].Data[:len(p[0].Data)-1]...) }, "authentication failed"},
		{"key ID removed", func(p []*commonpb.Payload) { delete(p[1].Metadata, MetadataKeyID) }, "no encryption-key-id"},
		{"key ID garbage", func(p []*commonpb.Payload) { p[1].Metadata[MetadataKeyID] = []byte("../../etc") }, "not a key ID"},
		{"key ID of another ring", func(p []*commonpb.Payload) { p[1].Metadata[MetadataKeyID] = []byte(other.ActiveID()) }, "is not in the key ring"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := clone()
			tt.modify(p)
			_, err := c.Decode(p)
			if err == nil {
				t.Fatal("tampered payload decoded")
			}
			if !strings.Contains(err.Error(), "decode payload 1") || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %q, want payload 1 and %q", err, tt.want)
			}
			assertNoPHI(t, "error", []byte(err.Error()))
		})
	}
	// The same key under the same ID in a different ring is a different
	// key: "wrong key" must fail authentication, not decode garbage.
	wrong, err := keyring.Parse("test", "active="+ring.ActiveID()+";"+ring.ActiveID()+"="+freshKey())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := New(wrong, RefusePlaintext).Decode(enc); !errors.Is(err, keyring.ErrAuthFailed) || !strings.Contains(err.Error(), ring.ActiveID()) {
		t.Errorf("wrong key with the right ID: %v", err)
	}
}

func freshKey() string {
	_, k := keyring.NewEntry()
	return k
}

func TestDecodeRefusesPlaintext(t *testing.T) {
	ring := newRing(t)
	plain := jsonPayload(t, `{"reviewer":"admin","actions":[{"claim_id":"C1","action":"override","reason":"x"}]}`)
	var nilPayload *commonpb.Payload
	for name, ps := range map[string][]*commonpb.Payload{
		"plain JSON":         {plain},
		"nil":                {nilPayload},
		"no metadata":        {{}},
		"after an encrypted": append(must(New(ring, RefusePlaintext).Encode([]*commonpb.Payload{jsonPayload(t, "ok")})), plain),
	} {
		if _, err := New(ring, RefusePlaintext).Decode(ps); !errors.Is(err, ErrPlaintext) {
			t.Errorf("%s: Decode = %v, want ErrPlaintext", name, err)
		}
	}
	// The codec server and development settings pass them through.
	out, err := New(ring, AllowPlaintext).Decode([]*commonpb.Payload{plain, nilPayload, {}})
	if err != nil {
		t.Fatal(err)
	}
	if out[0] != plain || out[1] != nil || out[2] == nil {
		t.Errorf("pass-through changed payloads: %v", out)
	}
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

func TestLargePayloads(t *testing.T) {
	ring := newRing(t)
	c := New(ring, RefusePlaintext)
	random := make([]byte, 1900<<10) // just under Temporal's 2 MiB limit
	rand.Read(random)
	text := bytes.Repeat([]byte(`{"patient":"Margarethe Oyelaran-Whitfield","cpt":"99213"},`), 200_000) // 12 MB
	for name, data := range map[string][]byte{"random 1.9 MiB": random, "text 12 MB": text} {
		t.Run(name, func(t *testing.T) {
			in := &commonpb.Payload{Metadata: map[string][]byte{"encoding": []byte("binary/plain")}, Data: data}
			enc, err := c.Encode([]*commonpb.Payload{in})
			if err != nil {
				t.Fatal(err)
			}
			assertEncrypted(t, ring, enc[0])
			dec, err := c.Decode(enc)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(dec[0].Data, data) {
				t.Error("large payload changed in round trip")
			}
		})
	}
}

// sealRaw seals hand-made plaintext as the codec would, for inputs the
// codec itself never writes.
func sealRaw(ring *keyring.Ring, plain []byte) []*commonpb.Payload {
	ct, id := ring.Seal(plain, aad)
	return []*commonpb.Payload{{Metadata: map[string][]byte{
		converter.MetadataEncoding: []byte(EncodingEncrypted), MetadataKeyID: []byte(id),
	}, Data: ct}}
}

func TestDecodeRejectsHostilePlaintext(t *testing.T) {
	ring := newRing(t)
	c := New(ring, RefusePlaintext)
	var bomb bytes.Buffer
	bomb.WriteByte(formatDeflate)
	w, _ := flate.NewWriter(&bomb, flate.BestCompression)
	zeros := make([]byte, 1<<20)
	for range MaxDecodedSize>>20 + 1 {
		w.Write(zeros)
	}
	w.Close()
	for _, tt := range []struct {
		name  string
		plain []byte
		want  string
	}{
		{"decompression bomb", bomb.Bytes(), "exceeds"},
		{"unknown format", []byte{0x7f, 1, 2}, "unknown payload format 0x7f"},
		{"empty", nil, "empty plaintext"},
		{"corrupt deflate", []byte{formatDeflate, 0xff, 0xff}, "decompress"},
		{"not a payload", []byte{formatRaw, 0xff, 0xff, 0xff}, "does not unmarshal"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := c.Decode(sealRaw(ring, tt.plain))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %v, want %q", err, tt.want)
			}
		})
	}
	// Ciphertext sealed by the ring for another purpose (different aad)
	// does not decode as a payload.
	ct, id := ring.Seal([]byte{formatRaw}, []byte("rcmbot/other"))
	_, err := c.Decode([]*commonpb.Payload{{Metadata: map[string][]byte{
		converter.MetadataEncoding: []byte(EncodingEncrypted), MetadataKeyID: []byte(id)}, Data: ct}})
	if !errors.Is(err, keyring.ErrAuthFailed) {
		t.Errorf("foreign ciphertext: %v", err)
	}
}

func TestFailureConverterEncryptsMessages(t *testing.T) {
	ring := newRing(t)
	fc := NewFailureConverter(ring, RefusePlaintext)
	cause := fmt.Errorf("payer rejected member W4815162342 for Margarethe Oyelaran-Whitfield")
	appErr := temporal.NewApplicationErrorWithCause("eligibility failed for DOB 1957-11-23", "EligibilityRejected", cause, fixture)
	f := fc.ErrorToFailure(appErr)

	raw, err := proto.Marshal(f)
	if err != nil {
		t.Fatal(err)
	}
	assertNoPHI(t, "encoded failure", raw)
	for ff := f; ff != nil; ff = ff.GetCause() {
		if ff.Message != "Encoded failure" || ff.StackTrace != "" {
			t.Errorf("failure message %q / stack %q left in plaintext", ff.Message, ff.StackTrace)
		}
		assertEncrypted(t, ring, ff.GetEncodedAttributes())
	}
	if typ := f.GetApplicationFailureInfo().GetType(); typ != "EligibilityRejected" {
		t.Errorf("error type %q; types stay plaintext for retry policies", typ)
	}
	for _, d := range f.GetApplicationFailureInfo().GetDetails().GetPayloads() {
		assertEncrypted(t, ring, d)
	}

	// FailureToError decodes in place, so keep an encoded copy.
	encoded := proto.Clone(f).(*failurepb.Failure)
	back := fc.FailureToError(f)
	var ae *temporal.ApplicationError
	if !errors.As(back, &ae) {
		t.Fatalf("decoded %T, want ApplicationError", back)
	}
	if ae.Message() != "eligibility failed for DOB 1957-11-23" || ae.Type() != "EligibilityRejected" {
		t.Errorf("decoded message %q type %q", ae.Message(), ae.Type())
	}
	if !strings.Contains(back.Error(), "W4815162342") {
		t.Errorf("cause lost in round trip: %v", back)
	}
	var details eligibilityRequest
	if err := ae.Details(&details); err != nil || details.MemberID != fixture.MemberID {
		t.Errorf("details %+v, %v", details, err)
	}

	// Without the key, the failure shows only the placeholder.
	stranger := NewFailureConverter(newRing(t), RefusePlaintext).FailureToError(encoded)
	if msg := stranger.Error(); !strings.HasPrefix(msg, "Encoded failure") {
		t.Errorf("failure decoded without the key: %q", msg)
	}
	assertNoPHI(t, "failure decoded without the key", []byte(stranger.Error()))
}

func TestConfigureClient(t *testing.T) {
	ring := newRing(t)
	var o client.Options
	ConfigureClient(&o, ring, RefusePlaintext)
	p, err := o.DataConverter.ToPayload(fixture)
	if err != nil {
		t.Fatal(err)
	}
	assertEncrypted(t, ring, p)
	f := o.FailureConverter.ErrorToFailure(errors.New("Margarethe"))
	if f.Message != "Encoded failure" {
		t.Errorf("client failure converter leaves messages plaintext: %q", f.Message)
	}
}

func BenchmarkEncodeDecode(b *testing.B) {
	ring := newRing(b)
	c := New(ring, RefusePlaintext)
	for _, size := range []int{200, 16 << 10, 1 << 20} {
		// Claims-like JSON: compressible but not trivially.
		var buf bytes.Buffer
		for i := 0; buf.Len() < size; i++ {
			fmt.Fprintf(&buf, `{"claim":"C%07d","cpt":"992%02d","units":%d,"charge":%d},`, i, i%16, i%3+1, 9000+i*7%500)
		}
		in := []*commonpb.Payload{{Metadata: map[string][]byte{"encoding": []byte("json/plain")}, Data: buf.Bytes()[:size]}}
		b.Run(fmt.Sprintf("%dB", size), func(b *testing.B) {
			b.SetBytes(int64(size))
			b.ReportAllocs()
			for b.Loop() {
				enc, err := c.Encode(in)
				if err != nil {
					b.Fatal(err)
				}
				if _, err := c.Decode(enc); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
