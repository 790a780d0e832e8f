package competition

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"io"
	"os/exec"
	"strconv"
	"time"

	"golang.org/x/image/draw"

	"github.com/coventry/workshops/booking"
)

// Posters are untrusted files from the public. What a file is, is decided
// by its first bytes alone, never by its name or the type the browser
// claims. Images are measured before they are decoded (a small file can
// claim billions of pixels: a decompression bomb), then decoded whole and
// drawn afresh into a new image, so nothing of the original file survives:
// not its EXIF (a phone's GPS position), not bytes hidden after its end.
// PDFs are drawn by poppler's pdftoppm, first page only, at a bounded size,
// under a timeout, and the picture it makes goes through the same checks.

// Limits on posters.
const (
	// MaxUpload is the largest file taken, in bytes.
	MaxUpload = 15 << 20
	// maxPixels bounds the pixels of an image before it is decoded: a
	// 24-megapixel camera's photo fits, a bomb does not.
	maxPixels = 25_000_000
	// maxSide bounds either side, so a 1 × 25,000,000 strip is refused too.
	maxSide = 10_000
	// displaySide is the longest side of the stored image.
	displaySide = 2000
	// thumbSide is the longest side of a thumbnail.
	thumbSide = 320
	// MaxStored and MaxThumbnail bound what is kept in Postgres (the
	// table's CHECK constraints say the same).
	MaxStored    = 4 << 20
	MaxThumbnail = 256 << 10
	// pdfTimeout bounds one run of pdftoppm.
	pdfTimeout = 10 * time.Second
	// maxRendered bounds what pdftoppm may write.
	maxRendered = 32 << 20
)

// Image types stored and served.
const (
	TypeJPEG = "image/jpeg"
	TypePNG  = "image/png"
)

// Poster is a poster ready to keep: the re-encoded image and its thumbnail.
type Poster struct {
	Image         []byte
	Type          string
	Thumbnail     []byte
	Width, Height int
}

// Posters turns uploads into Posters. Its zero value is not usable: use
// NewPosters.
type Posters struct {
	// pdftoppm is the path of poppler's pdftoppm; empty refuses PDFs as
	// an outage.
	pdftoppm string
	// slots bounds how many posters are decoded at once: each may take a
	// hundred megabytes and a core for a second.
	slots chan struct{}
}

// NewPosters finds pdftoppm on PATH and allows at most parallel posters
// to be processed at once. Without pdftoppm, PDFs are answered as
// unavailable; ok says whether it was found.
func NewPosters(parallel int) (p *Posters, ok bool) {
	if parallel < 1 {
		parallel = 1
	}
	path, err := exec.LookPath("pdftoppm")
	return &Posters{pdftoppm: path, slots: make(chan struct{}, parallel)}, err == nil
}

// kinds of upload, by their first bytes.
const (
	kindJPEG = "jpeg"
	kindPNG  = "png"
	kindPDF  = "pdf"
)

// sniff names what data is by its first bytes, or "".
func sniff(data []byte) string {
	switch {
	case bytes.HasPrefix(data, []byte("\xff\xd8\xff")):
		return kindJPEG
	case bytes.HasPrefix(data, []byte("\x89PNG\r\n\x1a\n")):
		return kindPNG
	case bytes.HasPrefix(data, []byte("%PDF-")):
		return kindPDF
	}
	return ""
}

func fileError(msg string) error {
	return booking.FieldErrors(map[string]string{"file": msg})
}

// TooLarge is the error for a file over MaxUpload.
func TooLarge() error {
	e := booking.Errorf(booking.ETooLarge, "The selected file must be smaller than 15 MB.")
	e.Fields = map[string]string{"file": "The selected file must be smaller than 15 MB"}
	return e
}

var (
	errNoFile   = fileError("Select a photo or scan of your poster")
	errEmpty    = fileError("The selected file is empty")
	errType     = fileError("The selected file must be a JPG, PNG or PDF")
	errUnread   = fileError("The selected file could not be read. Try saving it again as a JPG, PNG or PDF")
	errPixels   = fileError("The picture must be smaller than " + strconv.Itoa(maxPixels/1_000_000) + " megapixels. Take the photo again at a lower resolution")
	errPDFUnset = booking.Errorf(booking.EUnavailable, "We cannot take PDF files at the moment. Upload a photo (JPG or PNG) of your poster instead.")
)

// Process checks an upload and returns the poster to keep. Faults of the
// file are invalid-input errors on the field "file"; a file past MaxUpload
// is ETooLarge.
func (p *Posters) Process(ctx context.Context, data []byte) (*Poster, error) {
	switch {
	case data == nil:
		return nil, errNoFile
	case len(data) == 0:
		return nil, errEmpty
	case len(data) > MaxUpload:
		return nil, TooLarge()
	}
	kind := sniff(data)
	if kind == "" {
		return nil, errType
	}
	select {
	case p.slots <- struct{}{}:
		defer func() { <-p.slots }()
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	if kind == kindPDF {
		rendered, err := p.renderPDF(ctx, data)
		if err != nil {
			return nil, err
		}
		return reencode(rendered, kindPNG, TypePNG)
	}
	out := TypeJPEG
	if kind == kindPNG {
		out = TypePNG
	}
	return reencode(data, kind, out)
}

// reencode decodes data, which sniff called kind, and draws it afresh as
// out, at most displaySide on its longest side, with a JPEG thumbnail.
func reencode(data []byte, kind, out string) (*Poster, error) {
	cfg, format, err := image.DecodeConfig(bytes.NewReader(data))
	if err != nil || format != kind {
		return nil, errUnread
	}
	if cfg.Width <= 0 || cfg.Height <= 0 || cfg.Width > maxSide || cfg.Height > maxSide ||
		cfg.Width*cfg.Height > maxPixels {
		return nil, errPixels
	}
	src, format, err := image.Decode(bytes.NewReader(data))
	if err != nil || format != kind {
		return nil, errUnread
	}
	img := scaled(src, displaySide)
	if kind == kindJPEG {
		img = oriented(img, jpegOrientation(data))
	}
	var buf bytes.Buffer
	if out == TypePNG {
		enc := png.Encoder{CompressionLevel: png.BestCompression}
		if err := enc.Encode(&buf, img); err != nil {
			return nil, fmt.Errorf("poster: encode png: %w", err)
		}
		if buf.Len() > MaxStored {
			// A photo saved as PNG: keep it as a JPEG instead.
			buf.Reset()
			out = TypeJPEG
		}
	}
	if out == TypeJPEG {
		if err := jpeg.Encode(&buf, img, &jpeg.Options{Quality: 85}); err != nil {
			return nil, fmt.Errorf("poster: encode jpeg: %w", err)
		}
	}
	if buf.Len() > MaxStored {
		return nil, errUnread
	}
	var thumb bytes.Buffer
	if err := jpeg.Encode(&thumb, scaled(img, thumbSide), &jpeg.Options{Quality: 80}); err != nil {
		return nil, fmt.Errorf("poster: encode thumbnail: %w", err)
	}
	b := img.Bounds()
	return &Poster{Image: buf.Bytes(), Type: out, Thumbnail: thumb.Bytes(), Width: b.Dx(), Height: b.Dy()}, nil
}

// scaled draws src on white (posters are on paper; a transparent PNG
// would otherwise show black in a JPEG), no larger than side on its
// longest side.
func scaled(src image.Image, side int) *image.RGBA {
	b := src.Bounds()
	w, h := b.Dx(), b.Dy()
	if w > side || h > side {
		if w >= h {
			w, h = side, max(1, h*side/b.Dx())
		} else {
			w, h = max(1, w*side/b.Dy()), side
		}
	}
	dst := image.NewRGBA(image.Rect(0, 0, w, h))
	draw.Draw(dst, dst.Bounds(), image.NewUniform(color.White), image.Point{}, draw.Src)
	draw.ApproxBiLinear.Scale(dst, dst.Bounds(), src, b, draw.Over, nil)
	return dst
}

// renderPDF draws the first page of a PDF as a PNG with pdftoppm, read
// from its standard input and written to its standard output: nothing
// touches the disk. A file it cannot parse is refused.
func (p *Posters) renderPDF(ctx context.Context, data []byte) ([]byte, error) {
	if p.pdftoppm == "" {
		return nil, errPDFUnset
	}
	ctx, cancel := context.WithTimeout(ctx, pdfTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, p.pdftoppm, "-f", "1", "-l", "1", "-singlefile", "-png",
		"-scale-to", strconv.Itoa(displaySide), "-")
	cmd.Stdin = bytes.NewReader(data)
	var out limitedBuffer
	out.limit = maxRendered
	cmd.Stdout = &out
	cmd.Stderr = io.Discard
	err := cmd.Run()
	switch {
	case out.over:
		return nil, errUnread
	case ctx.Err() != nil && errors.Is(ctx.Err(), context.DeadlineExceeded):
		return nil, fileError("The selected PDF took too long to read. Upload a photo (JPG or PNG) of your poster instead")
	case err != nil || out.Len() == 0:
		return nil, errUnread
	}
	return out.Bytes(), nil
}

// limitedBuffer keeps what is written up to limit and notes anything past it.
type limitedBuffer struct {
	bytes.Buffer
	limit int
	over  bool
}

func (b *limitedBuffer) Write(p []byte) (int, error) {
	if b.Len()+len(p) > b.limit {
		b.over = true
		return 0, errors.New("poster: rendered page too large")
	}
	return b.Buffer.Write(p)
}
