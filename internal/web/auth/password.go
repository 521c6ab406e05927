// Package auth identifies the people and programs that use rcmbot's web app,
// REST API and codec server: password hashing (argon2id), browser sessions
// with an idle timeout, bearer API tokens, sign-in with per-account lockout
// and per-address rate limiting.
//
// Secrets are never stored: the database holds argon2id hashes of passwords
// and SHA-256 hashes of session and API tokens (tokens are 256-bit random
// values, so a fast hash is enough; a stolen database yields no usable token).
package auth

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"

	"golang.org/x/crypto/argon2"
)

// Argon2id parameters for new hashes: OWASP's recommended minimum (19 MiB,
// 2 passes, 1 lane), which costs some 30–60 ms per sign-in on a small
// server. Hashes record their parameters, so raising these later keeps old
// hashes verifiable.
const (
	argonMemoryKiB = 19 * 1024
	argonTime      = 2
	argonThreads   = 1
	argonKeyLen    = 32
	argonSaltLen   = 16
)

// MinPasswordLength is the shortest password accepted (NIST SP 800-63B
// asks for at least 8; staff handling PHI get 12).
const MinPasswordLength = 12

// maxPasswordLength bounds the work one sign-in attempt can cause.
const maxPasswordLength = 256

// ErrWeakPassword is wrapped by CheckPasswordPolicy's errors.
var ErrWeakPassword = errors.New("password does not meet the policy")

// CheckPasswordPolicy says whether pw may be set as a password; its error
// tells the user what to change.
func CheckPasswordPolicy(pw string) error {
	n := utf8.RuneCountInString(pw)
	switch {
	case n < MinPasswordLength:
		return fmt.Errorf("%w: use at least %d characters (a few unrelated words work well)", ErrWeakPassword, MinPasswordLength)
	case len(pw) > maxPasswordLength:
		return fmt.Errorf("%w: use at most %d characters", ErrWeakPassword, maxPasswordLength)
	case strings.TrimSpace(pw) == "":
		return fmt.Errorf("%w: a password cannot be only spaces", ErrWeakPassword)
	}
	return nil
}

// HashPassword returns the argon2id hash of pw in the PHC string format
// ($argon2id$v=19$m=...,t=...,p=...$salt$hash) with a fresh random salt.
func HashPassword(pw string) (string, error) {
	if err := CheckPasswordPolicy(pw); err != nil {
		return "", err
	}
	salt := make([]byte, argonSaltLen)
	rand.Read(salt) // never fails (crypto/rand crashes the program instead)
	key := argon2.IDKey([]byte(pw), salt, argonTime, argonMemoryKiB, argonThreads, argonKeyLen)
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, argonMemoryKiB, argonTime, argonThreads,
		b64.EncodeToString(salt), b64.EncodeToString(key)), nil
}

var b64 = base64.RawStdEncoding

// VerifyPassword reports whether pw matches hash, in time independent of
// where they differ. A hash that is not a well-formed argon2id PHC string is
// an error (and never matches).
func VerifyPassword(hash, pw string) (bool, error) {
	p, err := parseArgon2id(hash)
	if err != nil {
		return false, err
	}
	if len(pw) > maxPasswordLength {
		return false, nil
	}
	got := argon2.IDKey([]byte(pw), p.salt, p.time, p.memory, p.threads, uint32(len(p.key)))
	return subtle.ConstantTimeCompare(got, p.key) == 1, nil
}

type argonParams struct {
	memory, time uint32
	threads      uint8
	salt, key    []byte
}

// parseArgon2id reads a PHC argon2id string, refusing parameters far
// outside anything rcmbot writes (so a tampered row cannot make a sign-in
// allocate gigabytes).
func parseArgon2id(s string) (argonParams, error) {
	var p argonParams
	bad := errors.New("stored password hash is not an argon2id hash; reset the password")
	parts := strings.Split(s, "$")
	if len(parts) != 6 || parts[0] != "" || parts[1] != "argon2id" || parts[2] != "v="+strconv.Itoa(argon2.Version) {
		return p, bad
	}
	var m, t, th uint64
	for _, kv := range strings.Split(parts[3], ",") {
		k, v, ok := strings.Cut(kv, "=")
		n, err := strconv.ParseUint(v, 10, 32)
		if !ok || err != nil {
			return p, bad
		}
		switch k {
		case "m":
			m = n
		case "t":
			t = n
		case "p":
			th = n
		default:
			return p, bad
		}
	}
	if m < 8*1024 || m > 1024*1024 || t < 1 || t > 20 || th < 1 || th > 16 {
		return p, bad
	}
	salt, err1 := b64.DecodeString(parts[4])
	key, err2 := b64.DecodeString(parts[5])
	if err1 != nil || err2 != nil || len(salt) < 8 || len(key) < 16 || len(key) > 64 {
		return p, bad
	}
	return argonParams{memory: uint32(m), time: uint32(t), threads: uint8(th), salt: salt, key: key}, nil
}

// GeneratePassword returns a random password: 26 characters of base32
// (A–Z, 2–7), 130 bits, for new accounts and resets. Users change it on
// their account page.
func GeneratePassword() string { return rand.Text() }
