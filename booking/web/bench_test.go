package web_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func BenchmarkHoldOpen(b *testing.B) {
	e := newEnv(b)
	in := e.start(nil)
	sessionID := in.session(in.workshop("public"), 10000, 10000)
	path := "/api/v1/sessions/" + itoa(sessionID) + "/holds"
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			req := httptest.NewRequest("POST", path, strings.NewReader(`{"mode":"in_person"}`))
			w := httptest.NewRecorder()
			in.handler.ServeHTTP(w, req)
			if w.Code != http.StatusCreated && w.Code != 409 {
				b.Fatal(w.Code)
			}
		}
	})
}
