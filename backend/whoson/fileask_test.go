package whoson_test

import (
	"bytes"
	"testing"

	"github.com/parleychat/parley/backend/attach"
	"github.com/parleychat/parley/backend/servertest"
	"github.com/parleychat/parley/shared/protocol"
)

// A real agent asks for a file: the WhosOn client gets requestfile with the comma-separated
// types (the tenant's allowed types when the agent named none), uploads a file of such a type,
// shares it with File, and the agent gets it.
func TestWhosOnRequestFile(t *testing.T) {
	each(t, func(t *testing.T, opts servertest.Options) {
		env := servertest.Start(t, opts)
		ctx := ctxT(t)
		w := env.Demo.WhosOn
		setPolicy(t, env, 64, "pdf", "png", "txt")
		agent, _ := env.Agent(t, 0)
		c := dialWhosOn(t, env.WS+"/whoson", nil)
		d := connect(t, ctx, env, c)
		uid := acceptChat(t, ctx, env, c, agent, d.SessionID)

		if _, err := agent.Call(ctx, uid, &protocol.FileAsk{Types: []string{"PDF", ".txt"}}); err != nil {
			t.Fatal(err)
		}
		if e := c.await(ctx, "requestfile"); e.uid() != uid || e.text(t) != "pdf, txt" {
			t.Fatalf("requestfile %s for %s", e.Data, e.uid())
		}
		if _, err := agent.Call(ctx, uid, &protocol.FileAsk{}); err != nil {
			t.Fatal(err)
		}
		if e := c.await(ctx, "requestfile"); e.text(t) != "pdf, png, txt" {
			t.Fatalf("requestfile without types: %s", e.Data)
		}
		if _, err := agent.Call(ctx, uid, &protocol.FileAsk{Types: []string{"exe"}}); err == nil {
			t.Fatal("an agent asked for a type the tenant refuses")
		}

		note := []byte("order 1234 shipped")
		a := multipartUpload(t, d.WebServicesURL+"DocumentWriteForSite", d.SessionID, "note.txt", note)
		if a.status != 200 {
			t.Fatalf("upload: %+v", a)
		}
		c.send("File", d.SessionID, w.Domain, "note.txt", a.body)
		ev, err := agent.Await(ctx, func(ev protocol.Event) bool {
			m, ok := ev.Body.(*protocol.Message)
			return ok && m.File != nil && ev.Chat == uid
		})
		if err != nil {
			t.Fatal(err)
		}
		if f := ev.Body.(*protocol.Message).File; f.Name != "note.txt" || f.Size != int64(len(note)) || !bytes.Equal(download(t, env.URL+f.URL), note) || attach.IDFromURL(f.URL) == "" {
			t.Fatalf("the agent's file: %+v", f)
		}
	})
}
