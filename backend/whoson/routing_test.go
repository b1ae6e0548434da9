package whoson_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/parleychat/parley/backend/protoclient"
	"github.com/parleychat/parley/backend/servertest"
	"github.com/parleychat/parley/shared/protocol"
)

// setOperator gives the demo user with that login a department, phone and bot flag.
func setOperator(t *testing.T, env *servertest.Env, login, dept, phone string, bot bool) {
	t.Helper()
	ctx := ctxT(t)
	st := env.Server.Store()
	u, err := st.UserByLogin(ctx, login)
	if err != nil {
		t.Fatal(err)
	}
	u.Department, u.Phone, u.Bot, u.PasswordHash = dept, phone, bot, ""
	if _, err := st.UpdateUser(ctx, u); err != nil {
		t.Fatal(err)
	}
}

// firstOffer returns the chat of the next offer the agent gets.
func firstOffer(t *testing.T, ctx context.Context, agent *protoclient.Client) string {
	t.Helper()
	ev, err := agent.Await(ctx, func(ev protocol.Event) bool { _, ok := ev.Body.(*protocol.Offer); return ok })
	if err != nil {
		t.Fatalf("no offer: %v", err)
	}
	return ev.Chat
}

// hello connects a WhosOn visitor and says Hello with a department and operator name; it
// returns the client and the first answer (accepted or notaccepted).
func hello(t *testing.T, ctx context.Context, env *servertest.Env, dept, operator string) (*wclient, wevent) {
	t.Helper()
	c := dialWhosOn(t, env.WS+"/whoson", nil)
	d := connect(t, ctx, env, c)
	c.send("Hello", "Thomas", env.Demo.WhosOn.Domain, dept, operator, d.SessionID, "", "287-3883882", "en", "false", "")
	return c, c.next(ctx)
}

// routedTo says Hello with a department and operator name and checks that it is accepted and
// that the next offer the agent gets is this chat; it returns the client and the chat uid.
func routedTo(t *testing.T, ctx context.Context, env *servertest.Env, dept, operator string, agent *protoclient.Client) (*wclient, string) {
	t.Helper()
	c, acc := hello(t, ctx, env, dept, operator)
	if acc.EventName != "accepted" {
		t.Fatalf("Hello for %q %q: %s %s", dept, operator, acc.EventName, acc.Data)
	}
	if got := firstOffer(t, ctx, agent); got != acc.uid() {
		t.Fatalf("Hello for %q %q: the agent was offered %s, want %s", dept, operator, got, acc.uid())
	}
	return c, acc.uid()
}

// Hello's Department sends the chat only to agents of that department (or of none), its
// Operator Name only to that agent; operators and operatorjoined show the department, phone
// and bot flag the admin gave the users.
func TestWhosOnHelloRouting(t *testing.T) {
	each(t, func(t *testing.T, opts servertest.Options) {
		env := servertest.Start(t, opts)
		ctx := ctxT(t)
		anna, ben := env.DemoUser(t, "agent", 0), env.DemoUser(t, "agent", 1)
		setOperator(t, env, anna.Login, "Sales", "+441782822577", false)
		setOperator(t, env, ben.Login, "Support", "+441782822578", true)
		// The visitors of this test all come from one address.
		st := env.Server.Store()
		ts, err := st.TenantSettings(ctx, env.Demo.TenantID)
		if err != nil {
			t.Fatal(err)
		}
		ts.MaxChatsPerIP, ts.MaxChatsPerVisitor = 50, 50
		if _, err := st.SaveTenantSettings(ctx, ts); err != nil {
			t.Fatal(err)
		}
		env.Settled(t)
		annaC, _ := env.Agent(t, 0)
		benC, _ := env.Agent(t, 1)

		// By department, in another letter case: each chat reaches only its department's
		// agent. Each agent's first offer is its department's chat: an offer of the other
		// chat would have come first.
		support, supportUID := routedTo(t, ctx, env, "SUPPORT", "", benC)
		routedTo(t, ctx, env, "sales", "", annaC)

		// Ben takes the support chat: operatorjoined is full.
		if _, err := benC.Call(ctx, supportUID, &protocol.OfferAccept{}); err != nil {
			t.Fatal(err)
		}
		joined := support.await(ctx, "operatorjoined")
		var op map[string]any
		if err := json.Unmarshal(joined.Data, &op); err != nil {
			t.Fatal(err)
		}
		if op["Name"] != "Ben" || op["Dept"] != "Support" || op["Phone"] != "+441782822578" || op["IsBot"] != "True" || op["Status"] != "Online" {
			t.Fatalf("operatorjoined %s", joined.Data)
		}

		// By operator name, as operators names them and in another letter case: only that
		// agent is offered the chat, although Ben is idle longer.
		routedTo(t, ctx, env, "", " anna ", annaC)
		routedTo(t, ctx, env, "", "Ben", benC)

		// An operator name that is nobody's is not accepted, nor a department or name with NUL
		// or beyond 100 characters.
		_, none := hello(t, ctx, env, "", "Nobody Here")
		if none.EventName != "notaccepted" || !strings.Contains(none.text(t), "Nobody Here") {
			t.Fatalf("Hello for nobody: %s %s", none.EventName, none.Data)
		}
		for _, bad := range [][2]string{{"Sa\x00les", ""}, {"", "An\x00na"}, {strings.Repeat("d", 101), ""}, {"", strings.Repeat("n", 101)}} {
			if _, e := hello(t, ctx, env, bad[0], bad[1]); e.EventName != "notaccepted" {
				t.Fatalf("Hello for %q %q: %s %s", bad[0], bad[1], e.EventName, e.Data)
			}
		}

		// The operators list shows both with department, phone and bot flag.
		c := dialWhosOn(t, env.WS+"/whoson", nil)
		d := connect(t, ctx, env, c)
		c.send("GetOperators", d.SessionID, env.Demo.WhosOn.Domain)
		var ops []map[string]any
		if err := json.Unmarshal(c.await(ctx, "operators").Data, &ops); err != nil || len(ops) != 2 {
			t.Fatalf("operators: %v %v", ops, err)
		}
		for _, o := range ops {
			want := map[string]any{"Anna": []any{"Sales", "+441782822577", "False"}, "Ben": []any{"Support", "+441782822578", "True"}}[o["Name"].(string)]
			if w, _ := want.([]any); len(w) != 3 || o["Dept"] != w[0] || o["Phone"] != w[1] || o["IsBot"] != w[2] || o["Status"] != "Online" {
				t.Errorf("operator %v", o)
			}
		}
	})
}
