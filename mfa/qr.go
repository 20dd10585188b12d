package mfa

import (
	"bytes"
	"encoding/base64"
	"errors"
	"fmt"
	"html"
	"image"
	"image/color"
	"image/png"
	"strconv"
	"strings"

	qrcode "github.com/yeqown/go-qrcode/v2"
)

// QR is a QR code: the square of its modules, without the quiet zone. It
// carries a TOTP secret's otpauth URI to an authenticator app on the
// enrolment page.
//
// The page shows it in one of two forms, both allowed by the pages'
// Content-Security-Policy (web/render.go: img-src 'self' data:, no inline
// style): PNGDataURL in an <img src> with an alt text, or SVG inline. The
// SVG uses presentation attributes only (no style attribute or element,
// which style-src 'self' would block, and no script). Either value must
// reach html/template as a trusted type (template.URL for the data URL,
// template.HTML for the SVG), since the template escapes data: URLs and
// markup otherwise; both are built here from the code's modules alone.
// The page should show the secret as text too (SecretText) for people who
// cannot scan it, and say what the image is in its alt text or title.
type QR struct {
	modules [][]bool // [y][x], true for dark
}

// QuietZone is the light border around the code, in modules: the 4 that
// ISO/IEC 18004 requires, without which phone cameras miss codes.
const QuietZone = 4

// maxQRText bounds what NewQR encodes: an otpauth URI is some 150 bytes;
// 1024 keeps the code small enough to scan from a screen.
const maxQRText = 1024

// NewQR encodes text in byte mode at error correction level M (15% of the
// code may be lost), in the smallest version that holds it. Empty text or
// text longer than 1024 bytes is an error.
func NewQR(text string) (*QR, error) {
	if text == "" || len(text) > maxQRText {
		return nil, fmt.Errorf("mfa: a QR code holds 1 to %d bytes, not %d", maxQRText, len(text))
	}
	q, err := qrcode.NewWith(text, qrcode.WithEncodingMode(qrcode.EncModeByte),
		qrcode.WithErrorCorrectionLevel(qrcode.ErrorCorrectionMedium))
	if err != nil {
		return nil, fmt.Errorf("mfa: QR code: %w", err)
	}
	var w matrixWriter
	if err := q.Save(&w); err != nil {
		return nil, fmt.Errorf("mfa: QR code: %w", err)
	}
	if len(w.modules) == 0 || len(w.modules) != len(w.modules[0]) {
		return nil, errors.New("mfa: QR code: the encoder returned no square matrix")
	}
	return &QR{modules: w.modules}, nil
}

// matrixWriter is a qrcode.Writer that keeps the modules.
type matrixWriter struct{ modules [][]bool }

func (w *matrixWriter) Write(m qrcode.Matrix) error { w.modules = m.Bitmap(); return nil }
func (w *matrixWriter) Close() error                { return nil }

// Size returns the number of modules on a side, without the quiet zone.
func (q *QR) Size() int { return len(q.modules) }

// Dark reports whether the module at column x, row y is dark; false
// outside the code (in the quiet zone and beyond).
func (q *QR) Dark(x, y int) bool {
	return y >= 0 && y < len(q.modules) && x >= 0 && x < len(q.modules[y]) && q.modules[y][x]
}

// SVG returns the code as an SVG element, quiet zone included, drawn at
// pixels per module (at least 1) and scalable: one path of the dark
// modules, a row's runs each one subpath, on a white square. title names
// the image for screen readers (role="img" with a <title>); it is
// escaped.
func (q *QR) SVG(title string, pixels int) string {
	pixels = max(pixels, 1)
	side := q.Size() + 2*QuietZone
	px := strconv.Itoa(side * pixels)
	var b strings.Builder
	b.WriteString(`<svg xmlns="http://www.w3.org/2000/svg" role="img" width="` + px + `" height="` + px +
		`" viewBox="0 0 ` + strconv.Itoa(side) + " " + strconv.Itoa(side) + `" shape-rendering="crispEdges">`)
	b.WriteString("<title>" + html.EscapeString(title) + "</title>")
	b.WriteString(`<rect width="100%" height="100%" fill="#fff"/><path fill="#000" d="`)
	for y := range q.Size() {
		for x := 0; x < q.Size(); {
			if !q.Dark(x, y) {
				x++
				continue
			}
			run := 1
			for q.Dark(x+run, y) {
				run++
			}
			fmt.Fprintf(&b, "M%d %dh%dv1h-%dz", x+QuietZone, y+QuietZone, run, run)
			x += run
		}
	}
	b.WriteString(`"/></svg>`)
	return b.String()
}

// Image returns the code as a two-colour image, scale pixels per module
// (at least 1), quiet zone included.
func (q *QR) Image(scale int) image.Image {
	scale = max(scale, 1)
	side := (q.Size() + 2*QuietZone) * scale
	img := image.NewPaletted(image.Rect(0, 0, side, side), color.Palette{color.White, color.Black})
	for py := range side {
		for px := range side {
			if q.Dark(px/scale-QuietZone, py/scale-QuietZone) {
				img.SetColorIndex(px, py, 1)
			}
		}
	}
	return img
}

// PNG returns Image(scale) as a PNG file (1 bit per pixel).
func (q *QR) PNG(scale int) ([]byte, error) {
	var buf bytes.Buffer
	enc := png.Encoder{CompressionLevel: png.BestCompression}
	if err := enc.Encode(&buf, q.Image(scale)); err != nil {
		return nil, fmt.Errorf("mfa: QR code PNG: %w", err)
	}
	return buf.Bytes(), nil
}

// PNGDataURL returns PNG(scale) as a data: URL for an <img src>.
func (q *QR) PNGDataURL(scale int) (string, error) {
	b, err := q.PNG(scale)
	if err != nil {
		return "", err
	}
	return "data:image/png;base64," + base64.StdEncoding.EncodeToString(b), nil
}
