package web_test

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
)

// form posts a form as a browser on this site would.
func (in *instance) form(path string, v url.Values, header ...string) response {
	req := httptest.NewRequest("POST", path, strings.NewReader(v.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "text/html")
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	w := httptest.NewRecorder()
	in.handler.ServeHTTP(w, req)
	return response{status: w.Code, header: w.Header(), body: w.Body.Bytes()}
}

// location is where a 303 sends the browser.
func (r response) location(t *testing.T) string {
	t.Helper()
	if r.status != http.StatusSeeOther {
		t.Fatalf("status %d, want 303: %s", r.status, r.body)
	}
	return r.header.Get("Location")
}

// hidden reads the form's hidden fields (and the field name=value pairs of
// inputs) from a page, as a browser would send them back.
func hidden(body string) url.Values {
	v := url.Values{}
	for _, part := range strings.Split(body, "<input type=\"hidden\" ")[1:] {
		name := between(part, `name="`, `"`)
		value := between(part, `value="`, `"`)
		v.Add(name, htmlUnescape(value))
	}
	return v
}

func between(s, start, end string) string {
	i := strings.Index(s, start)
	if i < 0 {
		return ""
	}
	s = s[i+len(start):]
	if j := strings.Index(s, end); j >= 0 {
		return s[:j]
	}
	return s
}

// linkByID is the address of the link with id on a page.
func linkByID(t *testing.T, r response, id string) string {
	t.Helper()
	body := r.text()
	i := strings.Index(body, `id="`+id+`"`)
	if i < 0 {
		t.Fatalf("no link %q on the page: %s", id, body)
	}
	start := strings.LastIndex(body[:i], "<a ")
	return htmlUnescape(between(body[start:i], `href="`, `"`))
}

func htmlUnescape(s string) string {
	r := strings.NewReplacer("&lt;", "<", "&gt;", ">", "&#34;", `"`, "&#39;", "'", "&amp;", "&", "&#43;", "+", "&#10;", "\n", "&#13;", "\r")
	return r.Replace(s)
}

// details are a resident's answers on "Your details".
func details(name string) url.Values {
	return url.Values{
		"name": {name}, "email": {"ada@example.org"}, "organisation": {"Foleshill Women's Group"},
		"postcode": {"cv1 5rr"}, "access_needs": {"Step-free access\nA hearing loop"}, "consent": {"yes"},
	}
}

// book walks a resident from the session page to the confirmation page and
// returns the confirmation page and its address.
func (in *instance) bookThroughPages(t *testing.T, sessionID int64, mode, name string) (response, string) {
	t.Helper()
	r := in.form("/sessions/"+itoa(sessionID), url.Values{"mode": {mode}})
	detailsURL := r.location(t)
	if !strings.HasPrefix(detailsURL, "/holds/") {
		t.Fatalf("hold redirects to %q", detailsURL)
	}
	// The signed hold id carries the session, mode and expiry: nothing
	// unsigned rides along in the address or the forms.
	if strings.Contains(detailsURL, "?") {
		t.Errorf("details address carries a query: %q", detailsURL)
	}
	r = in.page(detailsURL)
	if r.status != http.StatusOK {
		t.Fatalf("details page: %d %s", r.status, r.body)
	}
	r.mustContain(t, `id="page-heading">Your details</h1>`, "Time left:", `data-hold-expires-at="`)
	v := hidden(r.text())
	for k, vals := range details(name) {
		v[k] = vals
	}
	action := "/holds/" + between(detailsURL, "/holds/", "/details") + "/details"
	r = in.form(action, v)
	if r.status != http.StatusOK {
		t.Fatalf("check answers: %d %s", r.status, r.body)
	}
	r.mustContain(t, "Check your answers before booking your place", "CV1 5RR")
	for _, f := range []string{"session", "mode", "until"} {
		if _, ok := hidden(r.text())[f]; ok {
			t.Errorf("check answers carries %q in a hidden field", f)
		}
	}
	confirm := "/holds/" + between(detailsURL, "/holds/", "/details") + "/confirm"
	r = in.form(confirm, hidden(r.text()))
	confirmed := r.location(t)
	r = in.page(confirmed)
	if r.status != http.StatusOK {
		t.Fatalf("confirmation page: %d %s", r.status, r.body)
	}
	return r, confirmed
}

func TestBookingThroughThePages(t *testing.T) {
	in := newEnv(t).start(nil)
	w := in.workshop("public")
	sid := in.session(w, 5, 3)

	r := in.page("/")
	r.mustContain(t, "One Coventry Plan: have your say", `href="/workshops/`+itoa(w)+`"`)
	r = in.page("/workshops/" + itoa(w))
	r.mustContain(t, `href="/sessions/`+itoa(sid)+`"`, "5 places left", "3 places left", "Council House")
	r = in.page("/sessions/" + itoa(sid))
	r.mustContain(t, "How would you like to take part?", `value="in_person"`, `value="online"`)

	r, confirmed := in.bookThroughPages(t, sid, "in_person", "Ada Lovelace")
	r.mustContain(t, "Booking confirmed", `id="booking-reference-panel">`, "/invite.ics?token=", `id="manage-booking"`, "Step-free access<br>A hearing loop")
	ref := between(r.text(), `id="booking-reference-panel">`, "<")
	token := between(confirmed, "token=", "&")
	manage := "/bookings/" + ref + "?token=" + token

	live, _ := in.env.counts(sid)
	if live["in_person"] != 1 {
		t.Fatalf("live in person bookings %v", live)
	}

	// Switch to online, then cancel.
	r = in.page(manage)
	r.mustContain(t, "Your booking", "Ada Lovelace", `id="switch-mode"`, `id="cancel-booking"`)
	// Follow the page's own links, as a browser would.
	r = in.page(linkByID(t, r, "switch-mode"))
	r.mustContain(t, "Take part online instead", "3 places left")
	r = in.form("/bookings/"+ref+"/switch", url.Values{"token": {token}, "mode": {"online"}})
	r = in.page(r.location(t))
	r.mustContain(t, "You are now taking part online")
	live, booked := in.env.counts(sid)
	if live["online"] != 1 || live["in_person"] != 0 || booked["online"] != 1 || booked["in_person"] != 0 {
		t.Fatalf("after switch: live %v booked %v", live, booked)
	}

	r = in.page(linkByID(t, in.page(manage), "cancel-booking"))
	r.mustContain(t, "Are you sure you want to cancel your place?")
	r = in.form("/bookings/"+ref+"/cancel", url.Values{"token": {token}})
	r = in.page(r.location(t))
	r.mustContain(t, "Your place has been cancelled", "This booking has been cancelled")
	live, booked = in.env.counts(sid)
	if live["online"] != 0 || booked["online"] != 0 {
		t.Fatalf("after cancel: live %v booked %v", live, booked)
	}
}
