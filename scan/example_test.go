package scan_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"image/png"
	"log"
	"os"
	"sort"

	"github.com/makiuchi-d/gozxing"
	"github.com/makiuchi-d/gozxing/qrcode"

	"github.com/ithc/ithc/render/qr"
	"github.com/ithc/ithc/scan"
)

func ExampleDecode() {
	// A PNG of a QR code, as a camera app or a file upload would give it.
	matrix, err := qrcode.NewQRCodeWriter().Encode("HC1:NCFOXN%TSMAHN-H9QCGDSB5QPN9OO3TH4O", gozxing.BarcodeFormat_QR_CODE, 200, 200, nil)
	if err != nil {
		log.Fatal(err)
	}
	img := image.NewGray(image.Rect(0, 0, matrix.GetWidth(), matrix.GetHeight()))
	for y := range matrix.GetHeight() {
		for x := range matrix.GetWidth() {
			if !matrix.Get(x, y) {
				img.SetGray(x, y, color.Gray{Y: 255})
			}
		}
	}
	var file bytes.Buffer
	if err := png.Encode(&file, img); err != nil {
		log.Fatal(err)
	}

	text, err := scan.Decode(&file)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(text)

	// A picture without a code.
	_, err = scan.Image(image.NewGray(image.Rect(0, 0, 64, 64)))
	fmt.Println(errors.Is(err, scan.ErrNoCode))
	// Output:
	// HC1:NCFOXN%TSMAHN-H9QCGDSB5QPN9OO3TH4O
	// true
}

func ExampleImageAll() {
	// Two codes side by side, as on a page with a certificate and its
	// booster: ImageAll returns both, with where each is.
	page := image.NewGray(image.Rect(0, 0, 420, 200))
	for i := range page.Pix {
		page.Pix[i] = 255
	}
	for i, text := range []string{"HC1:FIRST", "HC1:SECOND"} {
		code, err := qr.Encode(text, qr.Options{})
		if err != nil {
			log.Fatal(err)
		}
		img, err := code.Image(qr.ImageOptions{ModulePixels: 6})
		if err != nil {
			log.Fatal(err)
		}
		draw.Draw(page, img.Bounds().Add(image.Pt(20+i*220, 20)), img, image.Point{}, draw.Src)
	}
	codes, err := scan.ImageAll(page)
	if err != nil {
		log.Fatal(err)
	}
	sort.Slice(codes, func(i, j int) bool { return codes[i].Corners[0].X < codes[j].Corners[0].X })
	for _, c := range codes {
		fmt.Println(c.Text, "top-left corner at", c.Corners[0])
	}
	// Output:
	// HC1:FIRST top-left corner at (44,44)
	// HC1:SECOND top-left corner at (264,44)
}

func ExampleScan() {
	// A PDF (here read from a file) is rasterised page by page with
	// pdftoppm; each code carries its page and the resolution its corners
	// are in.
	f, err := os.Open("certificate.pdf")
	if err != nil {
		return // the example needs a certificate to read
	}
	defer f.Close()
	codes, err := scan.Scan(context.Background(), f, scan.Options{DPI: 300})
	switch {
	case errors.Is(err, scan.ErrNoPDFTool):
		log.Fatal("install poppler-utils")
	case err != nil:
		log.Fatal(err)
	}
	for _, c := range codes {
		fmt.Printf("page %d: %.20s…\n", c.Page, c.Text)
	}
}
