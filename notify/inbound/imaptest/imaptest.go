// Package imaptest starts a Dovecot IMAP server of a test's own: a
// temporary configuration, maildir and password file, on a free loopback
// port, stopped when the test ends. It never touches the system's Dovecot.
// Debian's dovecot-imapd provides the binary (.ci/run installs it).
package imaptest

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"net"
	"net/url"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-imap"
	"github.com/emersion/go-imap/client"

	"github.com/coventry/workshops/internal/testenv"
)

// Server is a running Dovecot with one account.
type Server struct {
	// URL is imap://user:password@127.0.0.1:port/INBOX.
	URL string
	// TLSURL is imaps://user:password@127.0.0.1:port/INBOX, and RootCAs
	// trusts the server's certificate: StartTLS only.
	TLSURL   string
	RootCAs  *x509.CertPool
	Addr     string
	User     string
	Password string

	dir string
	cmd *exec.Cmd
	out *bytes.Buffer
}

// Dovecot is where Debian installs the server.
const Dovecot = "/usr/sbin/dovecot"

// Start starts a Dovecot and stops it when t ends. Anything that goes
// wrong fails the test: a missing Dovecot is a failure, not a skip.
func Start(t testing.TB) *Server {
	t.Helper()
	return start(t, false)
}

// StartTLS is Start with TLS: STARTTLS offered on URL's port and implicit
// TLS on TLSURL's, with a certificate for 127.0.0.1 made for the test.
func StartTLS(t testing.TB) *Server {
	t.Helper()
	return start(t, true)
}

func start(t testing.TB, withTLS bool) *Server {
	t.Helper()
	bin := Dovecot
	if _, err := os.Stat(bin); err != nil {
		p, err := exec.LookPath("dovecot")
		if err != nil {
			t.Fatalf("imaptest: dovecot is needed (apt-get install dovecot-imapd): %v", err)
		}
		bin = p
	}
	// A directory of its own, readable by the user the mail processes run
	// as (t.TempDir is private to the test's user).
	dir, err := os.MkdirTemp("", "imaptest-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	s := &Server{dir: dir, User: "council", Password: "imap-test-password", out: &bytes.Buffer{}}
	mailUID, mailGID, internal := mailUser(t)
	for _, d := range []string{"run", "state", "mail"} {
		if err := os.Mkdir(filepath.Join(dir, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Chown(filepath.Join(dir, "mail"), mailUID, mailGID); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "passwd"), []byte(s.User+":{PLAIN}"+s.Password+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	port, tlsPort := testenv.FreePort(t), 0
	ssl := "ssl = no\n"
	if withTLS {
		tlsPort = testenv.FreePort(t)
		s.RootCAs = certificate(t, dir)
		ssl = fmt.Sprintf("ssl = yes\nssl_cert = <%[1]s/cert.pem\nssl_key = <%[1]s/key.pem\n", dir)
	}
	conf := ssl + fmt.Sprintf(config, dir, mailUID, mailGID, port, tlsPort)
	if internal != "" {
		conf += fmt.Sprintf("default_internal_user = %s\ndefault_login_user = %s\n", internal, internal)
	}
	confPath := filepath.Join(dir, "dovecot.conf")
	if err := os.WriteFile(confPath, []byte(conf), 0o644); err != nil {
		t.Fatal(err)
	}
	s.Addr = net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
	s.URL = (&url.URL{Scheme: "imap", User: url.UserPassword(s.User, s.Password), Host: s.Addr, Path: "/INBOX"}).String()
	if withTLS {
		s.TLSURL = (&url.URL{Scheme: "imaps", User: url.UserPassword(s.User, s.Password),
			Host: net.JoinHostPort("127.0.0.1", strconv.Itoa(tlsPort)), Path: "/INBOX"}).String()
	}

	s.cmd = exec.Command(bin, "-F", "-c", confPath)
	s.cmd.Stdout, s.cmd.Stderr = s.out, s.out
	if err := s.cmd.Start(); err != nil {
		t.Fatalf("imaptest: start dovecot: %v", err)
	}
	exited := make(chan struct{})
	go func() { _ = s.cmd.Wait(); close(exited) }()
	t.Cleanup(func() {
		_ = s.cmd.Process.Signal(os.Interrupt)
		select {
		case <-exited:
		case <-time.After(5 * time.Second):
			_ = s.cmd.Process.Kill()
			<-exited
		}
	})
	deadline := time.Now().Add(15 * time.Second)
	for {
		c, err := net.DialTimeout("tcp", s.Addr, time.Second)
		if err == nil {
			c.Close()
			break
		}
		select {
		case <-exited:
			t.Fatalf("imaptest: dovecot exited: %s\n%s", s.out, s.log())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("imaptest: dovecot does not answer on %s: %v\n%s", s.Addr, err, s.log())
		}
		time.Sleep(50 * time.Millisecond)
	}
	return s
}

func (s *Server) log() string {
	b, _ := os.ReadFile(filepath.Join(s.dir, "log"))
	return string(b)
}

// mailUser is who the mail processes run as: Dovecot refuses root, so a
// test run by root gives the mailbox to nobody; anyone else keeps it and
// runs Dovecot's own processes as themselves too.
func mailUser(t testing.TB) (uid, gid int, internal string) {
	if os.Geteuid() == 0 {
		u, err := user.Lookup("nobody")
		if err != nil {
			t.Fatalf("imaptest: running as root needs the user nobody: %v", err)
		}
		uid, _ = strconv.Atoi(u.Uid)
		gid, _ = strconv.Atoi(u.Gid)
		return uid, gid, ""
	}
	u, err := user.Current()
	if err != nil {
		t.Fatal(err)
	}
	return os.Geteuid(), os.Getegid(), u.Username
}

// config is a whole Dovecot configuration after its ssl lines: IMAP only,
// on loopback, one maildir per user; imaps on its own port when TLS is on.
const config = `base_dir = %[1]s/run
state_dir = %[1]s/state
log_path = %[1]s/log
protocols = imap
listen = 127.0.0.1
disable_plaintext_auth = no
auth_mechanisms = plain login
mail_location = maildir:%[1]s/mail/%%u
first_valid_uid = 1
first_valid_gid = 1
passdb {
  driver = passwd-file
  args = scheme=PLAIN username_format=%%u %[1]s/passwd
}
userdb {
  driver = static
  args = uid=%[2]d gid=%[3]d home=%[1]s/mail/%%u
}
service imap-login {
  chroot =
  inet_listener imap {
    address = 127.0.0.1
    port = %[4]d
  }
  inet_listener imaps {
    address = 127.0.0.1
    port = %[5]d
  }
}
service anvil {
  chroot =
}
service pop3-login {
  inet_listener pop3 {
    port = 0
  }
}
service submission-login {
  inet_listener submission {
    port = 0
  }
}
`

// Client signs in to the test's mailbox, for the test to put mail in and
// look at it; the caller logs out (Dovecot allows 10 connections a user).
func (s *Server) Client(t testing.TB) *client.Client {
	t.Helper()
	c, err := client.Dial(s.Addr)
	if err != nil {
		t.Fatalf("imaptest: dial: %v", err)
	}
	c.Timeout = 10 * time.Second
	if err := c.Login(s.User, s.Password); err != nil {
		_ = c.Logout()
		t.Fatalf("imaptest: login: %v", err)
	}
	return c
}

// Append delivers raw into INBOX, as mail arriving would.
func (s *Server) Append(t testing.TB, raw []byte) {
	t.Helper()
	c := s.Client(t)
	defer c.Logout()
	if err := c.Append("INBOX", nil, time.Now(), bytes.NewReader(raw)); err != nil {
		t.Fatalf("imaptest: append: %v", err)
	}
}

// Message is one message in INBOX as the test sees it.
type Message struct {
	UID     uint32
	Subject string
	Flags   []string
}

// Has reports whether the message carries flag; flags and keywords are
// case-insensitive (go-imap lowers keywords).
func (m Message) Has(flag string) bool {
	return slices.ContainsFunc(m.Flags, func(f string) bool { return strings.EqualFold(f, flag) })
}

// Messages lists INBOX with each message's flags, oldest first.
func (s *Server) Messages(t testing.TB) []Message {
	t.Helper()
	c := s.Client(t)
	defer c.Logout()
	st, err := c.Select("INBOX", true)
	if err != nil {
		t.Fatalf("imaptest: select: %v", err)
	}
	if st.Messages == 0 {
		return nil
	}
	set := new(imap.SeqSet)
	set.AddRange(1, st.Messages)
	ch := make(chan *imap.Message, st.Messages)
	if err := c.Fetch(set, []imap.FetchItem{imap.FetchUid, imap.FetchFlags, imap.FetchEnvelope}, ch); err != nil {
		t.Fatalf("imaptest: fetch: %v", err)
	}
	var out []Message
	for m := range ch {
		msg := Message{UID: m.Uid, Flags: m.Flags}
		if m.Envelope != nil {
			msg.Subject = m.Envelope.Subject
		}
		out = append(out, msg)
	}
	if len(out) != int(st.Messages) {
		t.Fatal(errors.New("imaptest: fetch returned fewer messages than the mailbox holds"))
	}
	return out
}

// Log is what Dovecot has logged so far (sign-ins say whether TLS was on).
func (s *Server) Log() string { return s.log() }

// certificate writes a self-signed certificate for 127.0.0.1 and its key
// into dir, and returns a pool that trusts it.
func certificate(t testing.TB, dir string) *x509.CertPool {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(time.Now().UnixNano()),
		Subject:               pkix.Name{CommonName: "imaptest"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(24 * time.Hour),
		IPAddresses:           []net.IP{net.IPv4(127, 0, 0, 1)},
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	certPEM := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
	if err := os.WriteFile(filepath.Join(dir, "cert.pem"), certPEM, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "key.pem"), pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER}), 0o600); err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(certPEM)
	return pool
}
