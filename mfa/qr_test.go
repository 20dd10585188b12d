package mfa

import (
	"bytes"
	"encoding/base64"
	"image"
	"image/png"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/makiuchi-d/gozxing"
	zxqr "github.com/makiuchi-d/gozxing/qrcode"
)

// decode reads a QR code from img with ZXing's decoder (a port
// independent of the encoder), failing the test if it finds none.
func decode(t *testing.T, img image.Image) string {
	t.Helper()
	bmp, err := gozxing.NewBinaryBitmapFromImage(img)
	if err != nil {
		t.Fatal(err)
	}
	res, err := zxqr.NewQRCodeReader().Decode(bmp, map[gozxing.DecodeHintType]any{gozxing.DecodeHintType_PURE_BARCODE: true})
	if err != nil {
		t.Fatalf("decoding the QR code: %v", err)
	}
	return res.GetText()
}

// enrolmentURI is a real enrolment's URI, with a name that needs escaping.
func enrolmentURI(t *testing.T) string {
	t.Helper()
	uri, err := TOTP.URI("Clinique Zoë", "dr.o'brien@clinic.example", NewSecret())
	if err != nil {
		t.Fatal(err)
	}
	return uri
}

// TestQRPNGDecodes: the PNG data URL an enrolment page shows reads back,
// through an independent decoder, as the URI it was made from.
func TestQRPNGDecodes(t *testing.T) {
	uri := enrolmentURI(t)
	q, err := NewQR(uri)
	if err != nil {
		t.Fatal(err)
	}
	url, err := q.PNGDataURL(4)
	if err != nil {
		t.Fatal(err)
	}
	b64, ok := strings.CutPrefix(url, "data:image/png;base64,")
	if !ok {
		t.Fatalf("data URL %.40q...", url)
	}
	raw, err := base64.StdEncoding.DecodeString(b64)
	if err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	if side := (q.Size() + 2*QuietZone) * 4; img.Bounds().Dx() != side || img.Bounds().Dy() != side {
		t.Errorf("PNG is %v, want %dx%d", img.Bounds(), side, side)
	}
	if got := decode(t, img); got != uri {
		t.Errorf("decoded %q, want %q", got, uri)
	}
}

var (
	svgRun  = regexp.MustCompile(`M(\d+) (\d+)h(\d+)v1h-(\d+)z`)
	svgPath = regexp.MustCompile(`<path fill="#000" d="([^"]*)"/>`)
)

// TestQRSVGDecodes: the SVG's runs, drawn module by module, read back as
// the URI; and the SVG needs nothing a strict CSP forbids.
func TestQRSVGDecodes(t *testing.T) {
	uri := enrolmentURI(t)
	q, err := NewQR(uri)
	if err != nil {
		t.Fatal(err)
	}
	svg := q.SVG(`Scan with your app: "vigil" <alice>`, 5)
	side := q.Size() + 2*QuietZone
	if !strings.HasPrefix(svg, `<svg xmlns="http://www.w3.org/2000/svg" role="img" width="`+strconv.Itoa(5*side)+`"`) ||
		!strings.Contains(svg, `viewBox="0 0 `+strconv.Itoa(side)+" "+strconv.Itoa(side)+`"`) {
		t.Errorf("SVG head: %.200s", svg)
	}
	if !strings.Contains(svg, "<title>Scan with your app: &#34;vigil&#34; &lt;alice&gt;</title>") {
		t.Errorf("the title is not escaped: %.300s", svg)
	}
	for _, banned := range []string{"style", "script", "href", "<image", "on"} {
		if strings.Contains(strings.ReplaceAll(svg, "crispEdges", ""), banned+"=") || strings.Contains(svg, "<"+banned) {
			t.Errorf("SVG holds %q, which the pages' CSP forbids or which has no place in it", banned)
		}
	}
	m := svgPath.FindStringSubmatch(svg)
	if m == nil {
		t.Fatalf("no path in %.300s", svg)
	}
	const scale = 4
	img := image.NewGray(image.Rect(0, 0, side*scale, side*scale))
	for i := range img.Pix {
		img.Pix[i] = 0xff
	}
	runs := svgRun.FindAllStringSubmatch(m[1], -1)
	if rest := svgRun.ReplaceAllString(m[1], ""); rest != "" || len(runs) == 0 {
		t.Fatalf("path data has %q besides %d runs", rest, len(runs))
	}
	for _, r := range runs {
		x, _ := strconv.Atoi(r[1])
		y, _ := strconv.Atoi(r[2])
		n, _ := strconv.Atoi(r[3])
		for dx := range n {
			if !q.Dark(x+dx-QuietZone, y-QuietZone) {
				t.Fatalf("the SVG draws module (%d, %d), which is light", x+dx, y)
			}
			for py := y * scale; py < (y+1)*scale; py++ {
				for px := (x + dx) * scale; px < (x+dx+1)*scale; px++ {
					img.Pix[py*img.Stride+px] = 0
				}
			}
		}
	}
	if got := decode(t, img); got != uri {
		t.Errorf("decoded %q, want %q", got, uri)
	}
}

func TestQRLimits(t *testing.T) {
	for _, text := range []string{"", strings.Repeat("x", maxQRText+1)} {
		if _, err := NewQR(text); err == nil {
			t.Errorf("NewQR of %d bytes accepted", len(text))
		}
	}
	q, err := NewQR(strings.Repeat("\xff", maxQRText)) // not UTF-8: bytes are bytes
	if err != nil {
		t.Fatalf("NewQR of %d bytes: %v", maxQRText, err)
	}
	if got := decode(t, q.Image(2)); len(got) == 0 {
		t.Errorf("the largest code decoded to nothing")
	}
	if q.Dark(-1, 0) || q.Dark(0, q.Size()) {
		t.Error("a module outside the code is dark")
	}
}
