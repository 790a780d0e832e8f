package web_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"
)

// A poster sent slowly, as over a poor phone connection, is not cut off by
// the server's read and write timeouts, which the booking routes keep.
func TestPosterSentSlowlyArrives(t *testing.T) {
	e := newEnv(t)
	in := e.start(nil)
	srv := httptest.NewUnstartedServer(in.handler)
	srv.Config.ReadTimeout, srv.Config.WriteTimeout = 300*time.Millisecond, 300*time.Millisecond
	srv.Start()
	t.Cleanup(srv.Close)

	body, ct := newEntry(pngOf(t, picture(200, 150)), "poster.png", "image/png").body()
	pr, pw := io.Pipe()
	go func() {
		// The body in ten pieces over a second: three times the timeouts.
		step := len(body)/10 + 1
		for i := 0; i < len(body); i += step {
			if _, err := pw.Write(body[i:min(i+step, len(body))]); err != nil {
				return
			}
			time.Sleep(100 * time.Millisecond)
		}
		_ = pw.Close()
	}()
	req, _ := http.NewRequest(http.MethodPost, srv.URL+"/api/v1/competition/entries", pr)
	req.Header.Set("Content-Type", ct)
	res, err := srv.Client().Do(req)
	if err != nil {
		t.Fatalf("a slow upload was cut off: %v", err)
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusCreated {
		b, _ := io.ReadAll(res.Body)
		t.Fatalf("a slow upload: %d %s", res.StatusCode, b)
	}
	if n, _ := e.storedEntries(); n != 1 {
		t.Errorf("%d entries stored, want 1", n)
	}
}
