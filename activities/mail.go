package activities

import (
	"context"

	"go.temporal.io/sdk/temporal"

	"github.com/rcmbot/rcmbot/internal/mail"
)

// ApplicationError types of the activities that send email.
const (
	// ErrMailRefused is a message the mail server refused for good (a
	// bad address), or no mail server configured. Not retried.
	ErrMailRefused = "MailRefused"
	// ErrMailBusy is a mail server that did not take a message now
	// (down, busy, a temporary refusal). Retried.
	ErrMailBusy = "MailBusy"
)

// Mailer sends one email; *mail.Sender is one. Its refusals that will not
// change satisfy mail.Permanent.
type Mailer interface {
	Send(ctx context.Context, m mail.Message) error
}

// sendMail sends m through mailer. refused is the staff message for a
// refusal for good. Failures carry fixed messages and no cause: a mail
// server's reply can echo the recipient's address, which must not reach
// logs or workflow histories.
func sendMail(ctx context.Context, mailer Mailer, m mail.Message, refused string) error {
	if mailer == nil {
		return temporal.NewNonRetryableApplicationError("no mail server is configured (RCMBOT_SMTP_HOST)", ErrMailRefused, nil)
	}
	err := mailer.Send(ctx, m)
	switch {
	case err == nil:
		return nil
	case mail.Permanent(err):
		return temporal.NewNonRetryableApplicationError(refused, ErrMailRefused, nil)
	}
	return temporal.NewApplicationError("the mail server did not take the message (down or busy); it is sent again", ErrMailBusy)
}
