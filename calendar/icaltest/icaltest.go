// Package icaltest reads invites back for tests: with ical.js under Node
// (the parser Thunderbird uses, an independent check on go-ical) and with a
// check of the raw lines. Node and npm must be installed; ical.js is
// installed on first use with `npm ci` in calendar/testdata/icaljs. A
// missing Node fails the test: nothing here skips.
package icaltest

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"syscall"
	"testing"
	"time"
	"unicode/utf8"
)

// Person is an ORGANIZER or ATTENDEE as ical.js read it.
type Person struct {
	Value string `json:"value"`
	CN    string `json:"cn"`
	RSVP  string `json:"rsvp"`
	// PartStat is PARTSTAT, for attendees.
	PartStat string `json:"partstat"`
}

// Event is a VEVENT as ical.js read it.
type Event struct {
	UID         string    `json:"uid"`
	Sequence    int       `json:"sequence"`
	Start       time.Time `json:"start"`
	End         time.Time `json:"end"`
	StartIsUTC  bool      `json:"start_is_utc"`
	Stamp       time.Time `json:"stamp"`
	Summary     string    `json:"summary"`
	Description string    `json:"description"`
	Location    string    `json:"location"`
	URL         string    `json:"url"`
	Status      string    `json:"status"`
	TeamsURL    string    `json:"teams_url"`
	ConfLink    string    `json:"conf_link"`
	Organizer   *Person   `json:"organizer"`
	Attendees   []Person  `json:"attendees"`
}

// Calendar is one iCalendar object as ical.js read it.
type Calendar struct {
	File    string  `json:"file"`
	Method  string  `json:"method"`
	Version string  `json:"version"`
	ProdID  string  `json:"prodid"`
	Events  []Event `json:"events"`
}

// Dir is the Node helper's directory, calendar/testdata/icaljs.
func Dir() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "testdata", "icaljs")
}

// InstallCommand is what installs ical.js for the tests; make and CI may
// run it ahead of time, and Ensure runs it when node_modules is missing.
const InstallCommand = "npm ci --no-audit --no-fund --prefix calendar/testdata/icaljs"

// Ensure checks that Node is installed and installs ical.js if it is not
// there yet. Test packages running at once take turns through a file lock.
func Ensure(t testing.TB) string {
	t.Helper()
	dir := Dir()
	if _, err := exec.LookPath("node"); err != nil {
		t.Fatalf("icaltest: node is not installed (Node 20 is needed to check invites with ical.js): %v", err)
	}
	marker := filepath.Join(dir, "node_modules", "ical.js", "package.json")
	if _, err := os.Stat(marker); err == nil {
		return dir
	}
	lock, err := os.OpenFile(filepath.Join(os.TempDir(), "workshops-icaljs.lock"), os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		t.Fatal(err)
	}
	defer lock.Close()
	if err := syscall.Flock(int(lock.Fd()), syscall.LOCK_EX); err != nil {
		t.Fatal(err)
	}
	defer syscall.Flock(int(lock.Fd()), syscall.LOCK_UN)
	if _, err := os.Stat(marker); err == nil {
		return dir
	}
	if _, err := exec.LookPath("npm"); err != nil {
		t.Fatalf("icaltest: ical.js is not installed and npm is missing: %v", err)
	}
	cmd := exec.Command("npm", "ci", "--no-audit", "--no-fund")
	cmd.Dir = dir
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("icaltest: npm ci in %s: %v\n%s", dir, err, out)
	}
	if _, err := os.Stat(marker); err != nil {
		t.Fatalf("icaltest: npm ci did not install ical.js: %v", err)
	}
	return dir
}

// Read parses each invite with ical.js and returns what it understood.
func Read(t testing.TB, invites ...[]byte) []Calendar {
	t.Helper()
	dir := Ensure(t)
	tmp := t.TempDir()
	args := []string{filepath.Join(dir, "read.mjs")}
	for i, ics := range invites {
		name := filepath.Join(tmp, "invite-"+strconv.Itoa(i)+".ics")
		if err := os.WriteFile(name, ics, 0o600); err != nil {
			t.Fatal(err)
		}
		args = append(args, name)
	}
	cmd := exec.Command("node", args...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("icaltest: ical.js could not read the invites: %v\n%s", err, stderr.Bytes())
	}
	var cals []Calendar
	if err := json.Unmarshal(out, &cals); err != nil {
		t.Fatalf("icaltest: %v in %s", err, out)
	}
	if len(cals) != len(invites) {
		t.Fatalf("icaltest: ical.js read %d calendars, want %d", len(cals), len(invites))
	}
	return cals
}

// CheckLines reports every way ics breaks RFC 5545's line rules: a line
// not ended by CRLF, longer than 75 octets, or not valid UTF-8 on its own
// (a fold that split a character). It returns how many lines were folded.
func CheckLines(t testing.TB, ics []byte) (folded int) {
	t.Helper()
	if !bytes.HasSuffix(ics, []byte("\r\n")) {
		t.Error("invite does not end in CRLF")
	}
	lines := bytes.Split(bytes.TrimSuffix(ics, []byte("\r\n")), []byte("\r\n"))
	for i, l := range lines {
		if bytes.ContainsAny(l, "\r\n") {
			t.Errorf("line %d holds a bare CR or LF: %q", i+1, l)
		}
		if len(l) > 75 {
			t.Errorf("line %d is %d octets long: %q", i+1, len(l), l)
		}
		if !utf8.Valid(l) {
			t.Errorf("line %d is not valid UTF-8 on its own (a fold split a character): %q", i+1, l)
		}
		if len(l) > 0 && (l[0] == ' ' || l[0] == '\t') {
			folded++
		}
	}
	return folded
}
