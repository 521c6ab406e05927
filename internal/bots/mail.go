package bots

import "github.com/rcmbot/rcmbot/internal/mail"

// Mailer is the email sender of the settings (RCMBOT_SMTP_*), shared by
// every bot that notifies people.
func (e Env) Mailer() (*mail.Sender, error) {
	c := e.Config
	return mail.New(mail.Settings{Host: c.SMTPHost, Port: c.SMTPPort, TLS: mail.TLS(c.SMTPTLS),
		Username: c.SMTPUsername, Password: c.SMTPPassword, From: c.SMTPFrom})
}
