package sim

import (
	"context"
	"encoding/json"
	"net"
	"net/http"
	"net/http/httptest"
	"net/smtp"
	"strings"
	"testing"
	"time"
)

func TestSMTPSinkListsWhatItReceived(t *testing.T) {
	sink, err := NewSMTPSink(SMTPSinkConfig{MaxMessages: 2})
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go sink.ServeSMTP(ln)
	defer ln.Close()
	multipartMsg := "Subject: =?UTF-8?Q?caf=C3=A9?=\r\nMIME-Version: 1.0\r\nContent-Type: multipart/alternative; boundary=b1\r\n\r\n" +
		"--b1\r\nContent-Type: text/html\r\n\r\n<p>html</p>\r\n--b1\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n\r\naGVsbG8gd29ybGQ=\r\n--b1--\r\n"
	for i, body := range []string{"Subject: one\r\n\r\nfirst\r\n", "Subject: two\r\n\r\nsecond\r\n", multipartMsg} {
		to := "a@x.test"
		if i == 2 {
			to = "b@x.test"
		}
		if err := smtp.SendMail(ln.Addr().String(), nil, "rcmbot@x.test", []string{to}, []byte(body)); err != nil {
			t.Fatal(err)
		}
	}
	h := httptest.NewServer(sink.Handler())
	defer h.Close()
	var got struct{ Messages []SinkMessage }
	getJSON(t, h.URL+"/api/messages", &got)
	if len(got.Messages) != 2 || got.Messages[0].Subject != "two" || got.Messages[1].Subject != "café" || got.Messages[1].Text != "hello world" {
		t.Fatalf("messages (the oldest dropped past MaxMessages): %+v", got.Messages)
	}
	getJSON(t, h.URL+"/api/messages?to=b@x.test", &got)
	if len(got.Messages) != 1 || got.Messages[0].ID != 3 {
		t.Errorf("filtered by recipient: %+v", got.Messages)
	}
	if st := sink.Stats(); st.Accepted != 3 || st.Dropped != 1 {
		t.Errorf("stats %+v", st)
	}
	resp, err := http.Get(h.URL + "/")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") {
		t.Errorf("page: %s %s", resp.Status, resp.Header.Get("Content-Type"))
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	if m, err := sink.Wait(ctx, func(m SinkMessage) bool { return m.Subject == "two" }); err != nil || m.ID != 2 {
		t.Errorf("Wait: %+v %v", m, err)
	}
	req, _ := http.NewRequest(http.MethodDelete, h.URL+"/api/messages", nil)
	if resp, err := http.DefaultClient.Do(req); err != nil || resp.StatusCode != http.StatusNoContent {
		t.Fatalf("delete: %v %v", resp, err)
	}
	if len(sink.Messages()) != 0 {
		t.Error("messages left after DELETE")
	}
}

func getJSON(t *testing.T, url string, v any) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if err := json.NewDecoder(resp.Body).Decode(v); err != nil {
		t.Fatal(err)
	}
}

// FuzzParseMessage: whatever a client sends, the sink's parser returns
// without panicking.
func FuzzParseMessage(f *testing.F) {
	f.Add([]byte("Subject: one\r\n\r\nfirst\r\n"))
	f.Add([]byte("Subject: =?UTF-8?B?w6k=?=\r\nContent-Type: multipart/mixed; boundary=x\r\n\r\n--x\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\na=3Db\r\n--x--\r\n"))
	f.Add([]byte("no header at all"))
	f.Fuzz(func(t *testing.T, raw []byte) {
		parseMessage(raw)
	})
}
