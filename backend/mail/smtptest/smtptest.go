// Package smtptest runs a real SMTP server (emersion/go-smtp) on a local port for tests: it
// keeps every message it accepts, can require a password, offer STARTTLS or speak implicit
// TLS with a certificate made for the test, and can be stopped and started again on the same
// port, so that tests see what a mail server sees and how a client copes with one that is
// away.
package smtptest

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"io"
	"log"
	"math/big"
	"mime"
	"mime/multipart"
	"net"
	"net/mail"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
)

// Options configure a [Server].
type Options struct {
	// Username and Password, when set, are required (AUTH PLAIN) before MAIL FROM.
	Username, Password string
	// TLS offers STARTTLS with this configuration; with Implicit the connection starts with
	// TLS instead.
	TLS      *tls.Config
	Implicit bool
	// RejectRcpt refuses this recipient for good (550).
	RejectRcpt string
}

// Received is one message the server accepted.
type Received struct {
	From string
	To   []string
	// Auth is the user name the client signed in with, "" without.
	Auth string
	// TLS reports whether the message came over an encrypted connection.
	TLS  bool
	Data []byte
}

// Server is a running test SMTP server.
type Server struct {
	t    testing.TB
	o    Options
	mu   sync.Mutex
	got  []Received
	srv  *smtp.Server
	ln   net.Listener
	addr string
	done chan struct{}
	// arrived is signalled on every accepted message.
	arrived chan struct{}
}

// Start starts a server on a free port of 127.0.0.1; it stops when the test ends.
func Start(t testing.TB, o Options) *Server {
	t.Helper()
	s := &Server{t: t, o: o, arrived: make(chan struct{}, 1000)}
	s.listen("127.0.0.1:0")
	t.Cleanup(s.Stop)
	return s
}

func (s *Server) listen(addr string) {
	s.t.Helper()
	var ln net.Listener
	var err error
	// A port just released may still be held for a moment; try for a while.
	for i := 0; i < 100; i++ {
		if s.o.Implicit {
			ln, err = tls.Listen("tcp", addr, s.o.TLS)
		} else {
			ln, err = net.Listen("tcp", addr)
		}
		if err == nil {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	if err != nil {
		s.t.Fatalf("smtptest: listen on %s: %v", addr, err)
	}
	srv := smtp.NewServer(backend{s})
	srv.Domain = "mx.test"
	srv.AllowInsecureAuth = true
	srv.ErrorLog = log.New(io.Discard, "", 0) // refused handshakes are what some tests want
	srv.ReadTimeout, srv.WriteTimeout = 30*time.Second, 30*time.Second
	if !s.o.Implicit {
		srv.TLSConfig = s.o.TLS
	}
	s.mu.Lock()
	s.srv, s.ln, s.addr, s.done = srv, ln, ln.Addr().String(), make(chan struct{})
	done := s.done
	s.mu.Unlock()
	go func() {
		defer close(done)
		_ = srv.Serve(ln)
	}()
}

// Host and Port are where the server listens.
func (s *Server) Host() string { h, _, _ := net.SplitHostPort(s.Addr()); return h }

// Port is the server's port.
func (s *Server) Port() int {
	_, p, _ := net.SplitHostPort(s.Addr())
	n, _ := strconv.Atoi(p)
	return n
}

// Addr is host:port.
func (s *Server) Addr() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.addr
}

// Stop closes the listener and every connection; a stopped server refuses connections.
func (s *Server) Stop() {
	s.mu.Lock()
	srv, ln, done := s.srv, s.ln, s.done
	s.srv = nil
	s.mu.Unlock()
	if srv == nil {
		return
	}
	_ = srv.Close()
	// Close only closes the listeners Serve has taken; one it has not taken yet is closed
	// here, so that Serve returns at once.
	_ = ln.Close()
	<-done
}

// Restart starts a stopped server again on the same port.
func (s *Server) Restart() {
	s.t.Helper()
	s.listen(s.Addr())
}

// Messages returns what the server accepted so far.
func (s *Server) Messages() []Received {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Received(nil), s.got...)
}

// Wait waits up to timeout until the server has accepted n messages and returns them; the
// test fails when they do not come.
func (s *Server) Wait(n int, timeout time.Duration) []Received {
	s.t.Helper()
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	for {
		if got := s.Messages(); len(got) >= n {
			return got
		}
		select {
		case <-s.arrived:
		case <-deadline.C:
			s.t.Fatalf("smtptest: %d messages arrived within %v, want %d", len(s.Messages()), timeout, n)
			return nil
		}
	}
}

type backend struct{ s *Server }

func (b backend) NewSession(c *smtp.Conn) (smtp.Session, error) {
	return &session{s: b.s, conn: c}, nil
}

type session struct {
	s    *Server
	conn *smtp.Conn
	auth string
	msg  Received
}

func (ss *session) AuthMechanisms() []string {
	if ss.s.o.Username == "" {
		return nil
	}
	return []string{sasl.Plain}
}

func (ss *session) Auth(mech string) (sasl.Server, error) {
	return sasl.NewPlainServer(func(identity, user, pass string) error {
		if user != ss.s.o.Username || pass != ss.s.o.Password {
			return &smtp.SMTPError{Code: 535, EnhancedCode: smtp.EnhancedCode{5, 7, 8}, Message: "Authentication credentials invalid"}
		}
		ss.auth = user
		return nil
	}), nil
}

func (ss *session) Mail(from string, _ *smtp.MailOptions) error {
	if ss.s.o.Username != "" && ss.auth == "" {
		return &smtp.SMTPError{Code: 530, EnhancedCode: smtp.EnhancedCode{5, 7, 0}, Message: "Authentication required"}
	}
	ss.msg = Received{From: from, Auth: ss.auth}
	return nil
}

func (ss *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	if ss.s.o.RejectRcpt != "" && strings.EqualFold(to, ss.s.o.RejectRcpt) {
		return &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 1, 1}, Message: "No such user"}
	}
	ss.msg.To = append(ss.msg.To, to)
	return nil
}

func (ss *session) Data(r io.Reader) error {
	data, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	m := ss.msg
	m.Data = data
	_, m.TLS = ss.conn.TLSConnectionState()
	ss.s.mu.Lock()
	ss.s.got = append(ss.s.got, m)
	ss.s.mu.Unlock()
	select {
	case ss.s.arrived <- struct{}{}:
	default:
	}
	return nil
}

func (ss *session) Reset()        { ss.msg = Received{} }
func (ss *session) Logout() error { return nil }

// Part is a decoded MIME part of a message.
type Part struct {
	ContentType string
	// Filename is the attachment's name, "" for a body part.
	Filename string
	Data     []byte
}

// Parsed is a received message taken apart.
type Parsed struct {
	Header mail.Header
	// Text is the decoded text/plain body.
	Text  string
	Parts []Part
}

// Attachment returns the part with the file name, if any.
func (p Parsed) Attachment(name string) (Part, bool) {
	for _, a := range p.Parts {
		if a.Filename == name {
			return a, true
		}
	}
	return Part{}, false
}

// Parse decodes a message: its headers (encoded words decoded by Subject), its text body and
// every part of a multipart body, transfer encodings undone.
func Parse(data []byte) (Parsed, error) {
	msg, err := mail.ReadMessage(bytes.NewReader(data))
	if err != nil {
		return Parsed{}, err
	}
	p := Parsed{Header: msg.Header}
	err = walk(msg.Header, msg.Body, &p)
	return p, err
}

// Subject is the decoded Subject header.
func (p Parsed) Subject() string {
	s, err := new(mime.WordDecoder).DecodeHeader(p.Header.Get("Subject"))
	if err != nil {
		return p.Header.Get("Subject")
	}
	return s
}

// header is a message's or a part's header.
type header interface{ Get(string) string }

func walk(h header, body io.Reader, p *Parsed) error {
	ct, params, err := mime.ParseMediaType(h.Get("Content-Type"))
	if err != nil {
		ct = "text/plain"
	}
	if strings.HasPrefix(ct, "multipart/") {
		mr := multipart.NewReader(body, params["boundary"])
		for {
			part, err := mr.NextRawPart()
			if errors.Is(err, io.EOF) {
				return nil
			}
			if err != nil {
				return err
			}
			if err := walk(part.Header, part, p); err != nil {
				return err
			}
		}
	}
	data, err := io.ReadAll(decode(h.Get("Content-Transfer-Encoding"), body))
	if err != nil {
		return err
	}
	name := ""
	if _, dp, err := mime.ParseMediaType(h.Get("Content-Disposition")); err == nil {
		name = dp["filename"]
	}
	if name == "" {
		name = params["name"]
	}
	if name == "" && ct == "text/plain" && p.Text == "" {
		p.Text = string(data)
	}
	p.Parts = append(p.Parts, Part{ContentType: ct, Filename: name, Data: data})
	return nil
}

// Certificate makes a self-signed certificate for 127.0.0.1 and localhost: the server's TLS
// configuration and the pool a client trusts it by.
func Certificate(t testing.TB) (server *tls.Config, roots *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "smtptest"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true, IsCA: true,
		IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)}, DNSNames: []string{"localhost"},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	roots = x509.NewCertPool()
	roots.AddCert(cert)
	return &tls.Config{Certificates: []tls.Certificate{{Certificate: [][]byte{der}, PrivateKey: key, Leaf: cert}}, MinVersion: tls.VersionTLS12}, roots
}
