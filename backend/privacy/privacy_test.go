package privacy

import (
	"strings"
	"testing"
	"time"

	"github.com/parleychat/parley/backend/contact"
	"github.com/parleychat/parley/backend/store"
)

func TestIdentity(t *testing.T) {
	for _, bad := range []Identity{{contact.KindEmail, ""}, {"ssn", "x"}, {contact.KindCustomer, strings.Repeat("9", maxIdentity+1)}} {
		if _, err := bad.Visitor(); err == nil {
			t.Errorf("%+v accepted", bad)
		}
	}
	v, err := Identity{contact.KindVisitor, "v-1"}.Visitor()
	if err != nil || v != (store.Visitor{VisitorID: "v-1"}) {
		t.Fatalf("visitor id: %+v %v", v, err)
	}
}

func TestBuildNamesFilesSafely(t *testing.T) {
	rec := store.VisitorRecord{Chat: store.Chat{ID: "c1", CloseCause: store.CloseCauseLeftMessage},
		Files: []store.File{{ID: "f1", Name: "../../etc/passwd"}}}
	e := Build("T", Identity{contact.KindEmail, "a@b"}, []store.VisitorRecord{rec}, time.Unix(0, 0))
	if p := e.Chats[0].Files[0].Path; p != "files/c1/f1-passwd" || !e.Chats[0].LeftMessage || e.Chats[0].Messages == nil {
		t.Fatalf("export %+v", e.Chats[0])
	}
}
