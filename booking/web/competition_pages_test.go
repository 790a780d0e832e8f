package web_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// The poster competition's pages through the real router: the entry form
// works as a plain multipart form post (no JavaScript), errors come back
// on the form, and the judges' gallery shows what counts, escaped.

func (in *instance) enterByForm(f entryForm) response {
	in.env.t.Helper()
	body, ct := f.body()
	return in.do(http.MethodPost, "/competition/enter", body, "Content-Type", ct, "Accept", "text/html")
}

func TestCompetitionPagesRender(t *testing.T) {
	in := newEnv(t).start(nil)
	for path, want := range map[string]string{
		"/competition":         "Download the poster template",
		"/competition/enter":   `enctype="multipart/form-data"`,
		"/competition/remove":  "Entry reference",
		"/competition/winners": "We have not announced the winners yet",
	} {
		r := in.page(path)
		if r.status != http.StatusOK {
			t.Errorf("%s: %d", path, r.status)
		}
		r.mustContain(t, want)
	}
	in.page("/competition").mustContain(t, "The closing date is")
}

func TestCompetitionEntryForm(t *testing.T) {
	e := newEnv(t)
	in := e.start(nil)

	bad := newEntry([]byte("<html>not a picture</html>"), "poster.png", "image/png")
	bad.fields["age"], bad.fields["title"] = "19", `<script>alert("x")</script>`
	r := in.enterByForm(bad)
	if r.status != http.StatusUnprocessableEntity {
		t.Fatalf("a bad entry by form: %d", r.status)
	}
	r.mustContain(t, "There is a problem", "The competition is for people under 18", "The selected file must be a JPG, PNG or PDF",
		`href="#age"`, `href="#file"`, "Choose the file again", `value="Amara"`, "&lt;script&gt;")
	if strings.Contains(r.text(), `<script>alert`) {
		t.Error("the title typed reached the page unescaped")
	}

	young := newEntry(pngOf(t, picture(60, 40)), "poster.png", "image/png")
	young.fields["age"], young.fields["guardian_email"] = "8", "carer@example.org"
	r = in.enterByForm(young)
	loc := r.location(t)
	if !strings.HasPrefix(loc, "/competition/entered?") || !strings.Contains(loc, "parent=1") {
		t.Fatalf("after an under-13's entry: %s", loc)
	}
	in.page(loc).mustContain(t, "We have emailed your parent or carer")

	r = in.enterByForm(newEntry(pngOf(t, picture(60, 40)), "poster.png", "image/png"))
	loc = r.location(t)
	in.page(loc).mustContain(t, "Your entry is in the competition")
	if n, m := e.storedEntries(); n != 2 || m != 1 {
		t.Errorf("%d entries and %d emails, want 2 and 1", n, m)
	}
}

func TestCompetitionGalleryAndWinners(t *testing.T) {
	e := newEnv(t)
	in := e.start(nil)
	f := newEntry(pngOf(t, picture(60, 40)), "poster.png", "image/png")
	f.fields["title"] = `<img src=x onerror=alert(1)>`
	ref := entered(t, in.enter(f))
	other := newEntry(pngOf(t, picture(60, 40)), "poster.png", "image/png")
	other.fields["age"], other.fields["area"], other.fields["first_name"] = "16", "earlsdon", "Priya"
	entered(t, in.enter(other))
	young := newEntry(pngOf(t, picture(60, 40)), "poster.png", "image/png")
	young.fields["age"], young.fields["guardian_email"], young.fields["first_name"] = "7", "carer@example.org", "Zed"
	entered(t, in.enter(young))

	g := in.orgPage("", "/admin/competition")
	g.mustContain(t, `/api/v1/admin/competition/entries/`+ref+`/thumbnail`, "&lt;img src=x onerror=alert(1)&gt;", "Priya",
		"1 more is waiting for a parent or carer")
	if strings.Contains(g.text(), "Zed") || strings.Contains(g.text(), "<img src=x") {
		t.Error("the gallery shows an unconfirmed entry or an unescaped title")
	}
	g = in.orgPage("", "/admin/competition?age_band=16-17&area=earlsdon")
	if !strings.Contains(g.text(), "Priya") || strings.Contains(g.text(), ref) {
		t.Errorf("filtered gallery:\n%s", g.body)
	}
	if r := in.orgPage("", "/admin/competition?age_band=99"); r.status != http.StatusUnprocessableEntity {
		t.Errorf("a made-up age band: %d", r.status)
	}

	r := in.orgForm("", "/admin/competition/entries/"+ref, url.Values{"shortlisted": {"yes"}, "winner": {"yes"}, "score": {"12"}})
	if r.status != http.StatusUnprocessableEntity || !strings.Contains(r.text(), "Enter a score from 0 to 10") {
		t.Errorf("a score of 12: %d", r.status)
	}
	r = in.orgForm("", "/admin/competition/entries/"+ref, url.Values{"shortlisted": {"yes"}, "winner": {"yes"}, "score": {"9"}})
	in.orgPage("", r.location(t)).mustContain(t, "The entry has been updated", `value="9"`)

	in.page("/competition/winners").mustContain(t, "We have not announced the winners yet")
	r = in.orgForm("", "/admin/competition/winners", url.Values{"published": {"yes"}})
	in.orgPage("", r.location(t)).mustContain(t, "The winners page is published")
	w := in.page("/competition/winners")
	w.mustContain(t, "Amara", "Foleshill", ">14<")
	if strings.Contains(w.text(), "onerror") || strings.Contains(w.text(), ref) {
		t.Error("the winners page shows more than first names, ages and areas")
	}

	r = in.orgForm("", "/admin/competition/entries/"+ref+"/erase", nil)
	in.orgPage("", r.location(t)).mustContain(t, "The entry and its poster have been deleted")
	if r := in.orgPage("", "/admin/competition/entries/"+ref); r.status != http.StatusNotFound {
		t.Errorf("an erased entry's page: %d", r.status)
	}
}

func TestCompetitionRemovalByCarer(t *testing.T) {
	e := newEnv(t)
	in := e.start(nil)
	young := newEntry(pngOf(t, picture(60, 40)), "poster.png", "image/png")
	young.fields["age"], young.fields["guardian_email"] = "11", "carer@example.org"
	ref := entered(t, in.enter(young))

	r := in.form("/competition/remove", url.Values{"reference": {ref}, "email": {"other@example.org"}})
	if r.status != http.StatusNotFound {
		t.Errorf("removal with another address: %d", r.status)
	}
	r.mustContain(t, "We could not find an entry with that reference and email address")
	r = in.form("/competition/remove", url.Values{"reference": {ref}, "email": {"carer@example.org"}})
	r.mustContain(t, "We have deleted the entry and its poster")
	if n, m := e.storedEntries(); n != 0 || m != 0 {
		t.Errorf("%d entries and %d emails after removal", n, m)
	}
}
