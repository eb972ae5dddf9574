package qr_test

import (
	"bytes"
	"fmt"
	"log"

	"github.com/ithc/ithc/render/qr"
	"github.com/ithc/ithc/scan"
)

func ExampleEncode() {
	code, err := qr.Encode("HC1:NCFOXN%TSMAHN-H9QCGDSB5QPN9OO3TH4O", qr.Options{})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("version %d-%s, %d×%d modules, %s mode\n", code.Version, code.Level, code.Size(), code.Size(), code.Segments[0].Mode)

	// A PNG to print 40 mm wide at 300 dpi, read back by package scan.
	var png bytes.Buffer
	if err := code.WritePNG(&png, qr.ImageOptions{Millimetres: 40, DPI: 300}); err != nil {
		log.Fatal(err)
	}
	text, err := scan.Decode(&png)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(text)

	// A SMART Health Card: a byte segment and a numeric one.
	shc, err := qr.Encode("shc:/5676290952432060346029243740446031222959532654603460292540772804336028702864716745222809286133314564376531415906402203064504590856435503414245413640370636654171372412363803043756220467374075323239254334433260573601064529315312707424283950386922127667005203", qr.Options{Level: qr.LevelL})
	if err != nil {
		log.Fatal(err)
	}
	for _, s := range shc.Segments {
		fmt.Printf("%s segment of %d characters\n", s.Mode, len(s.Data))
	}
	// Output:
	// version 3-Q, 29×29 modules, alphanumeric mode
	// HC1:NCFOXN%TSMAHN-H9QCGDSB5QPN9OO3TH4O
	// byte segment of 5 characters
	// numeric segment of 256 characters
}

func ExampleCode_WriteSVG() {
	code, err := qr.Encode("HC1:ABC", qr.Options{Level: qr.LevelM})
	if err != nil {
		log.Fatal(err)
	}
	var svg bytes.Buffer
	if err := code.WriteSVG(&svg, qr.ImageOptions{Millimetres: 35}); err != nil {
		log.Fatal(err)
	}
	fmt.Printf("%.120s…\n", svg.String())
	// Output:
	// <svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 29 29" width="35mm" height="35mm" shape-rendering="crispEdges"><rec…
}
