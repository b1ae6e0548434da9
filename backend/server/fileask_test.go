package server_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/parleychat/parley/backend/servertest"
	"github.com/parleychat/parley/shared/protocol"
)

// An agent asks the visitor for a file: the visitor and the agent get the request in the chat's
// history, a visitor who resumes gets it again, types the tenant refuses and bad types are
// refused, a retry is answered once and a visitor cannot ask.
func TestAgentAsksForFile(t *testing.T) {
	each(t, func(t *testing.T, opts servertest.Options) {
		env := servertest.Start(t, opts)
		ctx := ctxT(t)
		st := env.Server.Store()
		policy, err := st.TenantSettings(ctx, env.Demo.TenantID)
		if err != nil {
			t.Fatal(err)
		}
		policy.AllowedTypes = []string{"pdf", "png", "jpg"}
		if _, err := st.SaveTenantSettings(ctx, policy); err != nil {
			t.Fatal(err)
		}
		env.Settled(t)
		agent, _ := env.Agent(t, 0)
		visitor, _ := env.Visitor(t)
		chatID, token := startChat(t, ctx, visitor, agent, "Olga")

		if _, err := visitor.Call(ctx, chatID, &protocol.FileAsk{Types: []string{"pdf"}}); !isCode(err, protocol.CodeForbidden) {
			t.Fatalf("a visitor asking: %v", err)
		}
		for _, bad := range [][]string{{"exe"}, {"pdf", "docx"}} {
			if _, err := agent.Call(ctx, chatID, &protocol.FileAsk{Types: bad}); !isCode(err, protocol.CodeForbidden) || !strings.Contains(err.Error(), "allowed: pdf, png, jpg") {
				t.Fatalf("asking for %v, which the tenant refuses: %v", bad, err)
			}
		}
		for _, bad := range [][]string{{"../etc"}, {"pd\x00f"}, {strings.Repeat("a", 17)}, {"a", "b", "c", "d", "e", "f", "g", "h", "i", "j", "k", "l", "m", "n", "o", "p", "q", "r", "s", "t", "u"}} {
			if _, err := agent.Call(ctx, chatID, &protocol.FileAsk{Types: bad}); !isCode(err, protocol.CodeInvalid) && !isCode(err, protocol.CodeTooLarge) {
				t.Fatalf("asking for %q: %v", bad, err)
			}
		}

		// ".PDF", "Pdf" and "pdf" are one type.
		ask := &protocol.FileAsk{Types: []string{".PDF", "Pdf", "png"}}
		ack, err := agent.Call(ctx, chatID, ask)
		if err != nil {
			t.Fatal(err)
		}
		seq := ack.Body.(*protocol.Ack).Seq
		// A retry of the same command is answered with the same ack and asks no second time.
		again, err := agent.CallID(ctx, ack.ID, chatID, ask)
		if err != nil || again.Body.(*protocol.Ack).Seq != seq {
			t.Fatalf("retry: %+v, %v; want seq %d", again, err, seq)
		}
		ev, req := await[*protocol.FileRequest](t, ctx, visitor)
		if !slices.Equal(req.Types, []string{"pdf", "png"}) || req.Name == "" || ev.Seq == 0 {
			t.Fatalf("visitor got %+v (seq %d)", req, ev.Seq)
		}
		if ev, req := await[*protocol.FileRequest](t, ctx, agent); !slices.Equal(req.Types, []string{"pdf", "png"}) || ev.Seq != seq {
			t.Fatalf("agent got %+v (seq %d), want seq %d", req, ev.Seq, seq)
		}
		// Without types the request lists what the tenant allows.
		if _, err := agent.Call(ctx, chatID, &protocol.FileAsk{}); err != nil {
			t.Fatal(err)
		}
		if _, req := await[*protocol.FileRequest](t, ctx, visitor); !slices.Equal(req.Types, []string{"pdf", "png", "jpg"}) {
			t.Fatalf("request without types: %+v", req)
		}

		// A visitor who resumes from the start sees both requests again, once each.
		visitor.Drop()
		back, _ := env.Visitor(t)
		if _, err := back.Call(ctx, chatID, &protocol.Resume{Token: token}); err != nil {
			t.Fatal(err)
		}
		_, first := await[*protocol.FileRequest](t, ctx, back)
		_, second := await[*protocol.FileRequest](t, ctx, back)
		if !slices.Equal(first.Types, []string{"pdf", "png"}) || !slices.Equal(second.Types, []string{"pdf", "png", "jpg"}) {
			t.Fatalf("replayed %+v then %+v", first, second)
		}

		// A tenant that takes no files cannot be asked for one.
		policy.MaxAttachmentKB = 0
		if _, err := st.SaveTenantSettings(ctx, policy); err != nil {
			t.Fatal(err)
		}
		env.Settled(t)
		if _, err := agent.Call(ctx, chatID, &protocol.FileAsk{Types: []string{"pdf"}}); !isCode(err, protocol.CodeForbidden) {
			t.Fatalf("asking a tenant without attachments: %v", err)
		}
	})
}
