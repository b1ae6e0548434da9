//go:build js && wasm

package main

import (
	"syscall/js"
	"time"

	"github.com/parleychat/parley/shared/protocol"
	"github.com/parleychat/parley/widget/chat"
	"github.com/parleychat/parley/widget/wire"
)

// uploadPath is where files go: the Parley server, which serves this frame.
const uploadPath = "/api/files"

// pick is called with the file the visitor chose; the model checks it, and a file it takes is
// kept (the browser's File) under its line's id until the upload is done.
func (a *app) pick(f js.Value) {
	name, size, typ := jsString(f.Get("name")), int64(f.Get("size").Float()), jsString(f.Get("type"))
	a.do(func() {
		if id := a.m.Attach(name, size, typ, time.Now()); id != "" {
			a.files[id] = f
		}
	})
}

// startUploads starts the uploads the model asks for.
func (a *app) startUploads() {
	for _, id := range a.m.Uploads() {
		f, ok := a.files[id]
		if !ok {
			a.m.UploadFailed(id, 0, "")
			continue
		}
		a.upload(id, f, a.m.Chat, a.m.Token)
	}
}

// upload posts one file as multipart/form-data with the browser's fetch, authenticated as the
// chat's visitor, and reports the answer to the model.
func (a *app) upload(id string, f js.Value, chatID, token string) {
	form := global.Get("FormData").New()
	form.Call("append", "file", f)
	init := js.ValueOf(map[string]any{
		"method": "POST", "body": form, "credentials": "same-origin", "cache": "no-store",
		"headers": map[string]any{"X-Parley-Chat": chatID, "X-Parley-Token": token},
	})
	status := 0
	var onResponse, onBody, onError js.Func
	release := func() { onResponse.Release(); onBody.Release(); onError.Release() }
	onResponse = js.FuncOf(func(_ js.Value, args []js.Value) any {
		status = args[0].Get("status").Int()
		return args[0].Call("text")
	})
	onBody = js.FuncOf(func(_ js.Value, args []js.Value) any {
		body := jsString(args[0])
		release()
		a.do(func() { a.uploadAnswered(id, status, body) })
		return nil
	})
	onError = js.FuncOf(func(js.Value, []js.Value) any {
		release()
		a.do(func() { a.m.UploadFailed(id, 0, "") })
		return nil
	})
	var p js.Value
	func() {
		defer func() {
			if recover() != nil { // fetch throws on an unusable request
				p = js.Undefined()
			}
		}()
		p = global.Call("fetch", uploadPath, init)
	}()
	if p.IsUndefined() {
		release()
		a.m.UploadFailed(id, 0, "")
		return
	}
	p.Call("then", onResponse).Call("then", onBody).Call("catch", onError)
}

// uploadAnswered reads the server's answer: the stored file (201), or an error object.
func (a *app) uploadAnswered(id string, status int, body string) {
	v, _ := wire.Parse(body)
	if status == 200 || status == 201 {
		f := protocol.File{Name: v.Get("name").Str(), URL: v.Get("url").Str(), Size: int64(v.Get("size").Num()), ContentType: v.Get("content_type").Str()}
		if chat.FilePath(f.URL) != "" {
			delete(a.files, id)
			a.m.Uploaded(id, f, time.Now())
			return
		}
		status = 0
	}
	code := v.Get("error").Get("code").Str()
	a.m.UploadFailed(id, status, code)
	if !a.hasLine(id) {
		delete(a.files, id) // refused for good: the line is gone
	}
}

// hasLine reports whether the transcript still has the line.
func (a *app) hasLine(id string) bool {
	for _, it := range a.m.Items {
		if it.ID == id {
			return true
		}
	}
	return false
}
