package scan_test

import (
	"bytes"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"log"

	"github.com/makiuchi-d/gozxing"
	"github.com/makiuchi-d/gozxing/qrcode"

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
