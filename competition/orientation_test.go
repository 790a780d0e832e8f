package competition

import (
	"bytes"
	"context"
	"encoding/binary"
	"image"
	"image/color"
	"image/jpeg"
	"testing"
)

// withOrientation puts an APP1 EXIF segment holding only the Orientation
// tag after a JPEG's start-of-image marker, little-endian as phones write it.
func withOrientation(jpg []byte, o uint16) []byte {
	le := binary.LittleEndian
	t := []byte("II*\x00")
	t = le.AppendUint32(t, 8)
	t = le.AppendUint16(t, 1)
	t = le.AppendUint16(t, 0x0112)
	t = le.AppendUint16(t, 3) // SHORT
	t = le.AppendUint32(t, 1)
	t = le.AppendUint16(t, o)
	t = le.AppendUint16(t, 0)
	t = le.AppendUint32(t, 0)
	seg := append([]byte("Exif\x00\x00"), t...)
	out := append([]byte{}, jpg[:2]...)
	out = append(out, 0xff, 0xe1)
	out = binary.BigEndian.AppendUint16(out, uint16(len(seg)+2))
	out = append(out, seg...)
	return append(out, jpg[2:]...)
}

// A photo a phone took on its side (Orientation 6) is kept upright: the
// stored image is turned, since its EXIF is gone.
func TestPhotoOnItsSideIsTurnedUpright(t *testing.T) {
	// 80 wide, 40 high as stored; red on the left half.
	src := image.NewRGBA(image.Rect(0, 0, 80, 40))
	for y := 0; y < 40; y++ {
		for x := 0; x < 80; x++ {
			c := color.RGBA{0, 0, 255, 255}
			if x < 40 {
				c = color.RGBA{255, 0, 0, 255}
			}
			src.Set(x, y, c)
		}
	}
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, src, &jpeg.Options{Quality: 95}); err != nil {
		t.Fatal(err)
	}
	upload := withOrientation(buf.Bytes(), 6)
	if o := jpegOrientation(upload); o != 6 {
		t.Fatalf("orientation read as %d, want 6", o)
	}
	p, _ := NewPosters(1)
	got, err := p.Process(context.Background(), upload)
	if err != nil {
		t.Fatal(err)
	}
	img, err := jpeg.Decode(bytes.NewReader(got.Image))
	if err != nil {
		t.Fatal(err)
	}
	if b := img.Bounds(); b.Dx() != 40 || b.Dy() != 80 || got.Width != 40 || got.Height != 80 {
		t.Fatalf("stored %v (%d×%d), want 40×80", b, got.Width, got.Height)
	}
	// Turned a quarter clockwise: the red left half is now the top half.
	if r, _, b, _ := img.At(20, 10).RGBA(); r>>8 < 200 || b>>8 > 60 {
		t.Errorf("top is not red: r=%d b=%d", r>>8, b>>8)
	}
	if r, _, b, _ := img.At(20, 70).RGBA(); b>>8 < 200 || r>>8 > 60 {
		t.Errorf("bottom is not blue: r=%d b=%d", r>>8, b>>8)
	}
	if bytes.Contains(got.Image, []byte("Exif")) {
		t.Error("the EXIF block was kept")
	}
}

// Broken EXIF is no reason to refuse a photo: it is shown as stored.
func TestBrokenOrientationIsIgnored(t *testing.T) {
	for _, seg := range [][]byte{
		{0xff, 0xd8, 0xff, 0xe1, 0x00, 0x01},
		append([]byte{0xff, 0xd8, 0xff, 0xe1, 0x00, 0x10}, "Exif\x00\x00II*\x00\xff\xff\xff\x7f"...),
		append([]byte{0xff, 0xd8, 0xff, 0xe1, 0x00, 0x14}, "Exif\x00\x00MM\x00*\x00\x00\x00\x08\xff\xff"...),
	} {
		if o := jpegOrientation(seg); o != 1 {
			t.Errorf("%q: orientation %d, want 1", seg, o)
		}
	}
}
