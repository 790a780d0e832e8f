package web

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"
	"unicode/utf8"

	"github.com/gin-gonic/gin"

	"github.com/coventry/workshops/booking"
)

// decodeBody runs decode on body as a handler would, with a size limit.
func decodeBody(body []byte, v any) error {
	c, _ := gin.CreateTestContext(httptest.NewRecorder())
	c.Request = httptest.NewRequest(http.MethodPost, "/", bytes.NewReader(body))
	c.Request.Body = http.MaxBytesReader(nil, c.Request.Body, 4096)
	return decode(c, v)
}

// FuzzDecode: a body is either refused with invalid (or too_large), or it
// was one JSON object in UTF-8 and what it decoded to comes back the same
// through JSON, with every text valid UTF-8. Never a panic or another code.
func FuzzDecode(f *testing.F) {
	gin.SetMode(gin.TestMode)
	for _, s := range []string{
		`{"mode":"in_person","name":"Ann Lee","email":"ann@example.org","consent":true}`,
		`{"name":"Zoë \u202e","email":"a@b.c","access_needs":"ramp\r\nloop"}`,
		`{"name":"\ud800"}`, `{"consent":"yes"}`, `{"mode":1}`, `[]`, `null`, ``, `{`, "{\"name\":\"\xff\"}",
		` {"name":"a"} `, `{"name":"a"}{"name":"b"}`, `{"Name":"case","NAME":"fold"}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		var req placeRequest
		err := decodeBody(body, &req)
		if err != nil {
			if code := booking.ErrorCode(err); code != booking.EInvalid && code != booking.ETooLarge {
				t.Fatalf("refused with %q: %v", code, err)
			}
			return
		}
		trimmed := bytes.TrimSpace(body)
		if len(trimmed) == 0 || trimmed[0] != '{' || !json.Valid(trimmed) || !utf8.Valid(trimmed) || len(body) > 4096 {
			t.Fatalf("accepted a body that is not one JSON object in UTF-8 within the limit: %q", body)
		}
		for _, s := range []string{string(req.Mode), req.Name, req.Email, req.Organisation, req.Postcode, req.AccessNeeds} {
			if !utf8.ValidString(s) {
				t.Fatalf("decoded text not UTF-8: %q", s)
			}
		}
		again, err := json.Marshal(req)
		if err != nil {
			t.Fatal(err)
		}
		var back placeRequest
		if err := decodeBody(again, &back); err != nil || back != req {
			t.Fatalf("round trip: %+v became %+v (%v)", req, back, err)
		}
	})
}
