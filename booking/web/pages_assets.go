package web

import (
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"io/fs"
	"net/http"
	"path"
	"sort"
	"strings"

	"github.com/gin-gonic/gin"
)

// The CSS, JavaScript and images of the pages, built by `make assets` from
// GOV.UK Frontend (booking/web/frontend) and committed, so that `go build`
// alone gives a working binary.
//
//go:embed assets
var assetFiles embed.FS

// assetServer serves the embedded assets. Pages link to them under a path
// that names the build (/assets/<version>/css/app.css), so browsers may keep
// them for a year: a new build has a new version and so new addresses.
// Relative imports between the scripts stay within the same version.
type assetServer struct {
	files   fs.FS
	version string
	prefix  string // "/assets/" + version
	etags   map[string]string
}

func newAssetServer() *assetServer {
	files, err := fs.Sub(assetFiles, "assets")
	if err != nil {
		panic("web: assets: " + err.Error())
	}
	a := &assetServer{files: files, etags: map[string]string{}}
	var names []string
	_ = fs.WalkDir(files, ".", func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			names = append(names, p)
		}
		return err
	})
	sort.Strings(names)
	all := sha256.New()
	for _, n := range names {
		b, err := fs.ReadFile(files, n)
		if err != nil {
			panic("web: assets: " + err.Error())
		}
		sum := sha256.Sum256(b)
		a.etags[n] = `"` + hex.EncodeToString(sum[:8]) + `"`
		all.Write([]byte(n))
		all.Write(sum[:])
	}
	if _, ok := a.etags["css/app.css"]; !ok {
		panic("web: assets: css/app.css is missing; run make assets")
	}
	a.version = hex.EncodeToString(all.Sum(nil))[:12]
	a.prefix = "/assets/" + a.version
	return a
}

// url is the versioned address of the asset at p (e.g. "css/app.css").
func (a *assetServer) url(p string) string { return a.prefix + "/" + strings.TrimPrefix(p, "/") }

// serve answers GET and HEAD /assets/*filepath.
func (a *assetServer) serve(c *gin.Context) {
	p := strings.TrimPrefix(c.Param("filepath"), "/")
	long := false
	if first, rest, ok := strings.Cut(p, "/"); ok && first == a.version {
		p, long = rest, true
	} else if ok && len(first) == len(a.version) && isHex(first) {
		// A page from another build: serve this build's file, briefly.
		p = rest
	}
	p = path.Clean(p)
	etag, ok := a.etags[p]
	if !ok {
		c.Header("Cache-Control", "no-store")
		c.Data(http.StatusNotFound, "text/plain; charset=utf-8", []byte("Not found\n"))
		return
	}
	h := c.Writer.Header()
	if long {
		h.Set("Cache-Control", "public, max-age=31536000, immutable")
	} else {
		h.Set("Cache-Control", "public, max-age=3600")
	}
	h.Set("ETag", etag)
	switch path.Ext(p) {
	case ".js", ".mjs":
		h.Set("Content-Type", "text/javascript; charset=utf-8")
	case ".css":
		h.Set("Content-Type", "text/css; charset=utf-8")
	case ".svg":
		h.Set("Content-Type", "image/svg+xml")
	}
	http.ServeFileFS(c.Writer, c.Request, a.files, p)
}

func isHex(s string) bool {
	for i := 0; i < len(s); i++ {
		if !strings.ContainsRune("0123456789abcdef", rune(s[i])) {
			return false
		}
	}
	return true
}
