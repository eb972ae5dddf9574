//go:build js && wasm

// Command qrwasm is the verifier page's QR decoder: package scan compiled
// to WebAssembly. It exposes one JavaScript function,
//
//	ithcDecode(rgba Uint8ClampedArray, width, height) → {text} | {error}
//
// taking the pixels of a canvas's ImageData (a camera frame) and returning
// the text of the first QR code found. Built by go generate in package
// verifier; the result is committed as verifier/web/scan.wasm.
package main

import (
	"errors"
	"image"
	"syscall/js"

	"github.com/ithc/ithc/internal/limits"
	"github.com/ithc/ithc/scan"
)

func decode(this js.Value, args []js.Value) any {
	if len(args) != 3 {
		return map[string]any{"error": "ithcDecode(rgba, width, height)"}
	}
	w, h := args[1].Int(), args[2].Int()
	if w <= 0 || h <= 0 || int64(w)*int64(h) > limits.MaxImagePixels {
		return map[string]any{"error": "bad image size"}
	}
	if args[0].Length() != w*h*4 {
		return map[string]any{"error": "the pixel buffer does not match the size"}
	}
	img := image.NewNRGBA(image.Rect(0, 0, w, h))
	js.CopyBytesToGo(img.Pix, args[0])
	text, err := scan.Image(img)
	if err != nil {
		code := "error"
		switch {
		case errors.Is(err, scan.ErrNoCode):
			code = "no_code"
		case errors.Is(err, scan.ErrUnreadable):
			code = "unreadable"
		}
		return map[string]any{"error": code}
	}
	return map[string]any{"text": text}
}

func main() {
	js.Global().Set("ithcDecode", js.FuncOf(decode))
	js.Global().Call("dispatchEvent", js.Global().Get("Event").New("ithc-decoder-ready"))
	select {}
}
