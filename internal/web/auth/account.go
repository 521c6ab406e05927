package auth

import (
	"context"
	"fmt"
	"strings"

	"github.com/rcmbot/rcmbot/internal/store"
)

// NewAccount describes an account to create.
type NewAccount struct {
	Username    string
	DisplayName string
	Role        store.Role
	// Password is the initial password; "" generates one.
	Password string
	// MustChange makes the user change the password at the first sign-in;
	// a generated password always must be.
	MustChange bool
}

// AccountError says why an account cannot be created as described, for
// the person creating it.
type AccountError struct{ Reason string }

func (e *AccountError) Error() string { return e.Reason }

// ValidUsername says (with an *AccountError) whether name may be a username: 2 to 64 characters
// of lower-case letters, digits and . _ - @ (so an e-mail address works),
// after store.NormalizeUsername.
func ValidUsername(name string) error {
	n := store.NormalizeUsername(name)
	if len(n) < 2 || len(n) > 64 {
		return &AccountError{fmt.Sprintf("username %q: use 2 to 64 characters", n)}
	}
	for _, r := range n {
		if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || strings.ContainsRune("._-@", r)) {
			return &AccountError{fmt.Sprintf("username %q: use only letters, digits and . _ - @", n)}
		}
	}
	return nil
}

// CreateAccount checks and creates an account, and returns it with its
// initial password (generated when a.Password is "", and then to be
// changed at the first sign-in), which the caller shows once: only its
// hash is stored. A bad username or role is an *AccountError, a weak
// password ErrWeakPassword, a taken username store.ErrConflict.
func CreateAccount(ctx context.Context, accounts Accounts, a NewAccount) (store.User, string, error) {
	if err := ValidUsername(a.Username); err != nil {
		return store.User{}, "", err
	}
	if !a.Role.Valid() {
		return store.User{}, "", &AccountError{fmt.Sprintf("role %q: use biller, reviewer, admin, auditor, purchaser or privacy_officer", a.Role)}
	}
	pw := a.Password
	if pw == "" {
		pw, a.MustChange = GeneratePassword(), true
	} else if err := CheckPasswordPolicy(pw, a.Username, a.DisplayName); err != nil {
		return store.User{}, "", err
	}
	hash, err := HashPassword(pw)
	if err != nil {
		return store.User{}, "", err
	}
	u, err := accounts.CreateUser(ctx, store.NewUser{Username: a.Username, DisplayName: strings.TrimSpace(a.DisplayName), PasswordHash: hash,
		Role: a.Role, MustChangePassword: a.MustChange})
	if err != nil {
		return store.User{}, "", err
	}
	return u, pw, nil
}
