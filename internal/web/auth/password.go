// Package auth identifies the people and programs that use rcmbot's web app,
// REST API and codec server: password hashing (argon2id) and the password
// policy, browser sessions with an idle timeout, bearer API tokens that
// expire, sign-in with a lock per account and client address (with
// backoff) and per-address rate limiting.
//
// Secrets are never stored: the database holds argon2id hashes of passwords
// and SHA-256 hashes of session and API tokens (tokens are 256-bit random
// values, so a fast hash is enough; a stolen database yields no usable token).
package auth

import (
	"crypto/rand"
	"crypto/subtle"
	_ "embed" // the common password list
	"encoding/base64"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"sync"
	"unicode"
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
// tells the user what to change. Following NIST SP 800-63B (5.1.1.2), it
// asks for length rather than character classes and refuses what guessing
// tries first: a common password (a bundled list, see commonPassword),
// one character or a short pattern repeated, a run such as "123456789012"
// or "abcdefghijkl", and a password built on one of the given words (the
// username, the display name) or on "rcmbot".
func CheckPasswordPolicy(pw string, words ...string) error {
	n := utf8.RuneCountInString(pw)
	switch {
	case n < MinPasswordLength:
		return fmt.Errorf("%w: use at least %d characters (a few unrelated words work well)", ErrWeakPassword, MinPasswordLength)
	case len(pw) > maxPasswordLength:
		return fmt.Errorf("%w: use at most %d characters", ErrWeakPassword, maxPasswordLength)
	case strings.TrimSpace(pw) == "":
		return fmt.Errorf("%w: a password cannot be only spaces", ErrWeakPassword)
	case repetitive(pw):
		return fmt.Errorf("%w: it repeats one character or a short pattern; use a few unrelated words", ErrWeakPassword)
	case sequential(pw):
		return fmt.Errorf("%w: it is a run of consecutive characters; use a few unrelated words", ErrWeakPassword)
	case commonPassword(pw):
		return fmt.Errorf("%w: it is one of the most common passwords (or one with digits or symbols added); choose something less guessable", ErrWeakPassword)
	}
	lower := strings.ToLower(pw)
	for _, w := range append(words, "rcmbot") {
		if w = strings.ToLower(strings.TrimSpace(w)); utf8.RuneCountInString(w) >= 4 && strings.Contains(lower, w) {
			return fmt.Errorf("%w: it contains your username, your name or the product's name", ErrWeakPassword)
		}
	}
	return nil
}

// repetitive reports whether pw is a pattern of at most four characters
// repeated ("aaaaaaaaaaaa", "abcabcabcabc", "12121212121212").
func repetitive(pw string) bool {
	r := []rune(strings.ToLower(pw))
	for period := 1; period <= 4 && period < len(r); period++ {
		same := true
		for i := period; i < len(r) && same; i++ {
			same = r[i] == r[i-period]
		}
		if same {
			return true
		}
	}
	return false
}

// sequential reports whether pw is one run of consecutive characters,
// up or down ("123456789012" counts: digits wrap from 9 to 0).
func sequential(pw string) bool {
	r := []rune(strings.ToLower(pw))
	for _, step := range []rune{1, -1} {
		run := true
		for i := 1; i < len(r) && run; i++ {
			d := r[i] - r[i-1]
			run = d == step || r[i-1] == '9' && r[i] == '0' && step == 1 || r[i-1] == '0' && r[i] == '9' && step == -1
		}
		if run {
			return true
		}
	}
	return false
}

// commonPasswordsText is the bundled list: lower case, sorted, one per
// line after '#' comments (source and licence in its header and in
// COMMON-PASSWORDS-LICENSE.txt).
//
//go:embed common-passwords.txt
var commonPasswordsText string

var commonPasswords = sync.OnceValue(func() []string {
	var out []string
	for _, line := range strings.Split(commonPasswordsText, "\n") {
		if line != "" && !strings.HasPrefix(line, "#") {
			out = append(out, line)
		}
	}
	return out
})

// commonPassword reports whether pw, lower-cased, is on the list, with or
// without the digits and symbols people put around a common word
// ("Dragon2024!" is "dragon").
func commonPassword(pw string) bool {
	list := commonPasswords()
	in := func(s string) bool {
		i := sort.SearchStrings(list, s)
		return i < len(list) && list[i] == s
	}
	lower := strings.ToLower(pw)
	core := strings.TrimFunc(lower, func(r rune) bool { return !unicode.IsLetter(r) })
	return in(lower) || utf8.RuneCountInString(core) >= 6 && in(core)
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
