package qr

import (
	"bytes"
	"io"
	"math/rand/v2"
	"testing"
)

// benchHC1 is the size of an HC1 code with a multi-event native payload
// (the demo certificate's is about 500 characters).
var benchHC1 = hc1Text(rand.New(rand.NewPCG(1, 2)), 560)

// BenchmarkEncodeHC1 encodes an HC1 code at level Q, mask chosen by penalty.
func BenchmarkEncodeHC1(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Encode(benchHC1, Options{}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkPNG writes that code as a PNG of 4 pixels per module.
func BenchmarkPNG(b *testing.B) {
	c, err := Encode(benchHC1, Options{})
	if err != nil {
		b.Fatal(err)
	}
	var buf bytes.Buffer
	if err := c.WritePNG(&buf, ImageOptions{ModulePixels: 4}); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if err := c.WritePNG(io.Discard, ImageOptions{ModulePixels: 4}); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(buf.Len()), "bytes/png")
}

// BenchmarkSVG writes that code as an SVG.
func BenchmarkSVG(b *testing.B) {
	c, err := Encode(benchHC1, Options{})
	if err != nil {
		b.Fatal(err)
	}
	var buf bytes.Buffer
	if err := c.WriteSVG(&buf, ImageOptions{}); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if err := c.WriteSVG(io.Discard, ImageOptions{}); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(buf.Len()), "bytes/svg")
}
