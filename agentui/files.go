package agentui

import (
	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"github.com/parleychat/parley/agentui/browser"
	"github.com/parleychat/parley/agentui/desk"
	"github.com/parleychat/parley/shared/protocol"
)

// attach queues the files the agent picked or dropped for chat and starts uploading.
func (a *App) attach(ctx app.Context, chat string, files []browser.File) {
	for _, f := range files {
		u, err := a.desk.Attach(chat, f.Name, f.Size, f.Type)
		if err != nil {
			if pe, ok := err.(*protocol.Error); ok {
				a.desk.Notice = pe.Message
			}
			return
		}
		a.files[u.ID] = f
	}
	a.pump(ctx)
}

// pump starts the next waiting upload, one at a time. When the server has the file, its
// file.send goes out like a message (kept until the ack, re-sent after a reconnect); when
// it refuses, the reason shows next to the composer.
func (a *App) pump(ctx app.Context) {
	u := a.desk.NextUpload()
	if u == nil {
		return
	}
	f, ok := a.files[u.ID]
	if !ok {
		a.desk.UploadFailed(u.Chat, u.ID, a.desk.Msg.T("The file is no longer available. Choose it again."), false)
		a.pump(ctx)
		return
	}
	chat, id := u.Chat, u.ID
	ctx.Async(func() {
		status, body, err := a.platform.Upload(desk.UploadPath, map[string]string{"chat": chat}, f)
		ctx.Dispatch(func(ctx app.Context) {
			if a.phase != phaseDesk {
				return // signed out meanwhile; the upload went with the desk
			}
			file, reason, retry := desk.UploadAnswer(a.desk.Msg, status, body, err)
			if reason != "" {
				a.desk.UploadFailed(chat, id, reason, retry)
			} else {
				delete(a.files, id)
				if cmd, err := a.desk.Uploaded(chat, id, file, a.platform.Now()); err == nil {
					a.send(cmd)
				}
			}
			a.pump(ctx)
			a.changed(ctx)
		})
	})
}

func (a *App) onRetryUpload(ctx app.Context, act app.Action) {
	if r, ok := act.Value.(FileRef); ok && a.desk.RetryUpload(r.Chat, r.ID) {
		a.pump(ctx)
		a.changed(ctx)
	}
}

func (a *App) onDismissUpload(ctx app.Context, act app.Action) {
	if r, ok := act.Value.(FileRef); ok && a.desk.DismissUpload(r.Chat, r.ID) {
		delete(a.files, r.ID)
		a.changed(ctx)
	}
}

func (a *App) onResendFile(ctx app.Context, act app.Action) {
	if r, ok := act.Value.(FileRef); ok {
		if cmd, ok := a.desk.ResendFile(r.Chat, r.ID, a.platform.Now()); ok {
			a.send(cmd)
			a.changed(ctx)
		}
	}
}
