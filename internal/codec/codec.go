// Package codec encrypts Temporal payloads with rcmbot's key ring, so that
// the Temporal server, its database and its UI see only ciphertext, and
// serves the Temporal codec protocol (/encode, /decode) so that authorised
// staff can still read payloads in the Temporal UI.
//
// # Payload format
//
// Encode marshals each payload (its data and metadata, including its
// original encoding) to protobuf bytes, compresses them with DEFLATE when
// that makes them smaller, prefixes one format byte (raw or deflate), and
// seals the result with the key ring (AES-256-GCM, random nonce). The
// encrypted payload's metadata holds only
//
//	encoding:          binary/encrypted
//	encryption-key-id: the key ring ID of the sealing key
//
// Compressing before encrypting lets ciphertext length depend on content;
// someone who can both inject chosen text into a payload and watch its
// encrypted size could in principle learn something about the rest of it.
// Payload sizes are visible to whoever reads Temporal's database, but no
// rcmbot path lets an outsider repeat that experiment, so the saved space
// was judged worth it.
//
// # Unencrypted payloads
//
// Workers and clients refuse payloads that are not encrypted: anyone who
// can reach the Temporal frontend can write one (`temporal workflow update
// execute --input '{...}'`), and a worker that decoded it would act on
// input no rcmbot process wrote. Decode fails on such a payload, so an
// Update carrying one is rejected before its validator runs. Only an
// explicit development setting (RCMBOT_CODEC_ALLOW_PLAINTEXT, Plaintext
// AllowPlaintext) passes them through, for histories written before
// encryption and hand-written CLI input. The codec server, which only
// shows payloads to signed-in staff, returns a plaintext payload as it is.
//
// Encryption is not authentication of a person: whoever holds the key ring
// could still write an Update. Staff decisions are therefore also signed
// (package decision) and checked in the workflows' Update validators.
package codec

import (
	"bytes"
	"compress/flate"
	"errors"
	"fmt"
	"io"
	"sync"

	commonpb "go.temporal.io/api/common/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/temporal"
	"google.golang.org/protobuf/proto"

	"github.com/rcmbot/rcmbot/internal/keyring"
)

// Metadata keys and values of an encrypted payload.
const (
	EncodingEncrypted = "binary/encrypted"
	MetadataKeyID     = "encryption-key-id"
)

// Format bytes at the start of the sealed plaintext.
const (
	formatRaw     byte = 0x01
	formatDeflate byte = 0x02
)

// aad binds ciphertexts to this use; a ciphertext sealed by the key ring for
// another purpose does not decode as a payload.
var aad = []byte("rcmbot/codec/payload/v1")

// minCompress is the marshalled size below which compression is not tried:
// small payloads rarely shrink and each attempt costs a compressor reset.
const minCompress = 256

// MaxDecodedSize bounds a decompressed payload. Temporal rejects payloads
// over 2 MiB, so anything near this bound is corrupt or hostile.
const MaxDecodedSize = 64 << 20

// Codec is a converter.PayloadCodec that compresses and encrypts payloads
// with a key ring. It is safe for concurrent use.
type Codec struct {
	ring      *keyring.Ring
	plaintext Plaintext
	deflates  sync.Pool // *flate.Writer
	inflates  sync.Pool // io.ReadCloser from flate.NewReader
}

// Plaintext says whether Decode accepts payloads that are not encrypted.
type Plaintext bool

// The two answers: refuse them (always, outside development), or pass
// them through unchanged.
const (
	RefusePlaintext Plaintext = false
	AllowPlaintext  Plaintext = true
)

// ErrPlaintext is wrapped by Decode's error for a payload that is not
// encrypted when the codec refuses them.
var ErrPlaintext = errors.New("payload is not encrypted by rcmbot; refused (RCMBOT_CODEC_ALLOW_PLAINTEXT allows it in development only)")

// New returns a Codec that seals with ring's active key, opens with any
// of its keys and treats unencrypted payloads as plaintext says.
func New(ring *keyring.Ring, plaintext Plaintext) *Codec {
	return &Codec{ring: ring, plaintext: plaintext}
}

// Encode compresses and encrypts each payload. It fails only if a payload
// cannot be marshalled.
func (c *Codec) Encode(payloads []*commonpb.Payload) ([]*commonpb.Payload, error) {
	out := make([]*commonpb.Payload, len(payloads))
	for i, p := range payloads {
		b, err := proto.Marshal(p)
		if err != nil {
			return payloads, fmt.Errorf("codec: encode payload %d: marshal: %w", i, err)
		}
		ct, keyID := c.ring.Seal(c.pack(b), aad)
		out[i] = &commonpb.Payload{
			Metadata: map[string][]byte{
				converter.MetadataEncoding: []byte(EncodingEncrypted),
				MetadataKeyID:              []byte(keyID),
			},
			Data: ct,
		}
	}
	return out, nil
}

// pack prefixes b with its format byte, deflating it when that helps.
func (c *Codec) pack(b []byte) []byte {
	if len(b) >= minCompress {
		var buf bytes.Buffer
		buf.Grow(len(b)/2 + 64)
		buf.WriteByte(formatDeflate)
		w, _ := c.deflates.Get().(*flate.Writer)
		if w == nil {
			// The level is valid, so NewWriter cannot fail.
			w, _ = flate.NewWriter(&buf, flate.BestSpeed)
		} else {
			w.Reset(&buf)
		}
		// Writes to a bytes.Buffer cannot fail.
		w.Write(b)
		w.Close()
		w.Reset(io.Discard) // drop the reference to buf
		c.deflates.Put(w)
		if buf.Len() < len(b)+1 {
			return buf.Bytes()
		}
	}
	return append([]byte{formatRaw}, b...)
}

// Decode decrypts and decompresses each encrypted payload; others are
// refused, or passed through when the codec allows plaintext (see the
// package documentation). Errors name the payload's position and the key
// ID it names, never its content or the ring's keys.
func (c *Codec) Decode(payloads []*commonpb.Payload) ([]*commonpb.Payload, error) {
	out := make([]*commonpb.Payload, len(payloads))
	for i, p := range payloads {
		if string(p.GetMetadata()[converter.MetadataEncoding]) != EncodingEncrypted {
			if c.plaintext != AllowPlaintext {
				return payloads, fmt.Errorf("codec: decode payload %d: %w", i, ErrPlaintext)
			}
			out[i] = p
			continue
		}
		d, err := c.decode(p)
		if err != nil {
			return payloads, fmt.Errorf("codec: decode payload %d: %w", i, err)
		}
		out[i] = d
	}
	return out, nil
}

func (c *Codec) decode(p *commonpb.Payload) (*commonpb.Payload, error) {
	keyID := string(p.Metadata[MetadataKeyID])
	if keyID == "" {
		return nil, errors.New("encrypted payload has no " + MetadataKeyID + " metadata")
	}
	if err := keyring.CheckID(keyID); err != nil {
		return nil, fmt.Errorf("encrypted payload's %s metadata is not a key ID: %w", MetadataKeyID, err)
	}
	plain, err := c.ring.Open(keyID, p.Data, aad)
	if err != nil {
		return nil, err
	}
	if len(plain) == 0 {
		return nil, errors.New("empty plaintext (not written by this codec)")
	}
	b := plain[1:]
	switch plain[0] {
	case formatRaw:
	case formatDeflate:
		if b, err = c.inflate(b); err != nil {
			return nil, err
		}
	default:
		return nil, fmt.Errorf("unknown payload format 0x%02x (written by a newer rcmbot?)", plain[0])
	}
	var d commonpb.Payload
	if err := proto.Unmarshal(b, &d); err != nil {
		return nil, fmt.Errorf("decrypted payload does not unmarshal: %w", err)
	}
	return &d, nil
}

func (c *Codec) inflate(b []byte) ([]byte, error) {
	r, _ := c.inflates.Get().(io.ReadCloser)
	if r == nil {
		r = flate.NewReader(bytes.NewReader(b))
	} else if err := r.(flate.Resetter).Reset(bytes.NewReader(b), nil); err != nil {
		return nil, fmt.Errorf("decompress: %w", err)
	}
	defer c.inflates.Put(r)
	out, err := io.ReadAll(io.LimitReader(r, MaxDecodedSize+1))
	if err != nil {
		return nil, fmt.Errorf("decompress: %w", err)
	}
	if len(out) > MaxDecodedSize {
		return nil, fmt.Errorf("decompressed payload exceeds %d bytes", MaxDecodedSize)
	}
	return out, nil
}

// NewDataConverter returns Temporal's default data converter with payloads
// encrypted by a Codec on ring.
func NewDataConverter(ring *keyring.Ring, plaintext Plaintext) converter.DataConverter {
	return converter.NewCodecDataConverter(converter.GetDefaultDataConverter(), New(ring, plaintext))
}

// NewFailureConverter returns a failure converter that moves error messages
// and stack traces into an encrypted payload (EncodeCommonAttributes), so
// that failures recorded in history show only "Encoded failure".
func NewFailureConverter(ring *keyring.Ring, plaintext Plaintext) converter.FailureConverter {
	return temporal.NewDefaultFailureConverter(temporal.DefaultFailureConverterOptions{
		DataConverter:          NewDataConverter(ring, plaintext),
		EncodeCommonAttributes: true,
	})
}

// ConfigureClient sets o.DataConverter and o.FailureConverter to encrypt
// with ring. Workers created from the client inherit both; plaintext is
// RefusePlaintext outside development.
func ConfigureClient(o *client.Options, ring *keyring.Ring, plaintext Plaintext) {
	o.DataConverter = NewDataConverter(ring, plaintext)
	o.FailureConverter = NewFailureConverter(ring, plaintext)
}
